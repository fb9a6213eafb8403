// Reads the service's manifests named by rollout.workload.manifests: files, folders of
// YAML files, and kustomize folders rendered by `kubectl kustomize`.
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { run } from '../adapters/process.js';
import { parseObjects, type SourcedObject } from '../cluster/documents.js';
import { InputError } from '../errors.js';

const kustomizationFiles = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Whether a program is on PATH (or, given as a path, executable). */
function onPath(program: string, path = process.env.PATH ?? ''): boolean {
  const candidates = isAbsolute(program) ? [program] : path.split(delimiter).filter(Boolean).map((dir) => join(dir, program));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

export interface ManifestSource {
  /** As written in the config, for errors. */
  entry: string;
  /** rollout.workload.manifests[i] */
  field: string;
}

async function readEntry(path: string, source: ManifestSource, configFile: string, kubectl: string): Promise<SourcedObject[]> {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new InputError(`${configFile}: ${source.field}: ${source.entry}: no such file or folder`, { hint: 'paths are relative to the config file' });
  }
  if (!stat.isDirectory()) return parseObjects(readFileSync(path, 'utf8'), source.entry);
  if (kustomizationFiles.some((f) => existsSync(join(path, f)))) {
    if (!onPath(kubectl)) {
      throw new InputError(`${configFile}: ${source.field}: ${source.entry} is a kustomize folder, and rendering it needs kubectl, which is not on PATH`, {
        hint: 'install kubectl, or render it once (`kustomize build`) and name the rendered file instead',
      });
    }
    const out = await run([kubectl, 'kustomize', path], { nothrow: true, timeoutMs: 60_000 });
    if (out.exitCode !== 0) {
      throw new InputError(`${configFile}: ${source.field}: kubectl kustomize ${source.entry} failed: ${out.stderr.trim().split('\n').at(-1) ?? ''}`, { hint: 'fix the kustomization' });
    }
    return parseObjects(out.stdout, `${source.entry} (kustomize)`);
  }
  return readdirSync(path)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => parseObjects(readFileSync(join(path, f), 'utf8'), join(source.entry, f)));
}

/** Every object of the manifests, each with the file and document it came from. */
export async function readManifests(
  entries: readonly string[],
  baseDir: string,
  configFile: string,
  kubectl = 'kubectl',
  field = (i: number) => `rollout.workload.manifests[${i}]`,
): Promise<SourcedObject[]> {
  const objects: SourcedObject[] = [];
  for (const [i, entry] of entries.entries()) {
    objects.push(...(await readEntry(resolve(baseDir, entry), { entry, field: field(i) }, configFile, kubectl)));
  }
  if (objects.length === 0) {
    throw new InputError(`${configFile}: ${field(0).replace(/\[0\]$/, '')}: ${entries.join(', ')} hold no Kubernetes objects`, { hint: 'name the files with the service\'s Deployment' });
  }
  return objects;
}
