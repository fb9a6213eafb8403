// Reads the rendered manifests given to `bundle create --manifests`: files, `-` (standard
// input), or folders of .yaml, .yml and .json files (subfolders too with -R), as kubectl -f.
import { InputError } from '../errors.js';
import { readInputFiles } from '../input-files.js';
import { kubeObjects, routingApiVersionsOf, type KubeDoc } from './manifest-docs.js';
import type { BundleManifestInput } from './plan.js';

export async function readManifestInputs(
  paths: readonly string[],
  options: { recursive?: boolean } = {},
): Promise<{ manifests: BundleManifestInput[]; objects: KubeDoc[]; routingApiVersions: string[] }> {
  const manifests: BundleManifestInput[] = [];
  const objects: KubeDoc[] = [];
  for (const { file, name, text } of readInputFiles(paths, { flag: '--manifests', recursive: options.recursive })) {
    if (manifests.some((m) => m.name === name)) throw new InputError(`--manifests: two manifests are named ${name}`, { hint: 'give each manifest file a distinct name' });
    objects.push(...kubeObjects(file === '-' ? 'stdin' : file, text));
    manifests.push({ name, content: Buffer.from(text, 'utf8') });
  }
  return { manifests, objects, routingApiVersions: routingApiVersionsOf(objects) };
}
