// Reads the rendered manifests given to `bundle create` (files, or folders of *.yaml).
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { InputError } from '../errors.js';
import { kubeObjects, routingApiVersionsOf, type KubeDoc } from './manifest-docs.js';
import type { BundleManifestInput } from './plan.js';

async function yamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await yamlFiles(path)));
    else if (/\.ya?ml$/.test(entry.name)) out.push(path);
  }
  return out;
}

export async function readManifestInputs(paths: readonly string[]): Promise<{ manifests: BundleManifestInput[]; objects: KubeDoc[]; routingApiVersions: string[] }> {
  const manifests: BundleManifestInput[] = [];
  const objects: KubeDoc[] = [];
  for (const given of paths) {
    const info = await stat(given).catch(() => undefined);
    if (!info) throw new InputError(`--manifests ${given}: no such file or folder`, { hint: 'pass rendered YAML files or a folder of them' });
    const files = info.isDirectory() ? (await yamlFiles(given)).map((f) => ({ file: f, name: relative(given, f) })) : [{ file: given, name: basename(given) }];
    if (info.isDirectory() && files.length === 0) throw new InputError(`--manifests ${given}: the folder holds no .yaml or .yml file`);
    for (const { file, name } of files) {
      if (manifests.some((m) => m.name === name)) throw new InputError(`--manifests: two manifests are named ${name}`, { hint: 'give each manifest file a distinct name' });
      const content = await readFile(file);
      objects.push(...kubeObjects(file, content.toString('utf8')));
      manifests.push({ name, content });
    }
  }
  return { manifests, objects, routingApiVersions: routingApiVersionsOf(objects) };
}
