// Reads Kubernetes objects from multi-document YAML (or JSON) files, folders and standard
// input, each remembered with the file and document it came from.
import type { KubeObject } from '../adapters/kube.js';
import { InputError } from '../errors.js';
import { readInputFiles, type InputFile } from '../input-files.js';
import type { SourcedObject } from '../model/kube-documents.js';
import { parseObjectsQuickly } from './plain-documents.js';

export { listItems, parseObjects, type SourcedObject } from '../model/kube-documents.js';

export function describeObject(s: SourcedObject): string {
  const ns = s.object.metadata.namespace ? `${s.object.metadata.namespace}/` : '';
  return `${s.object.kind}/${ns}${s.object.metadata.name} (${s.file} doc ${s.doc}${s.item ? ` item ${s.item}` : ''})`;
}

/** The object as `kubectl -o name` prints it: kind, then the group if any, e.g. deployment.apps/web. */
export function kubectlName(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const group = object.apiVersion.includes('/') ? `.${object.apiVersion.split('/')[0]}` : '';
  return `${object.kind.toLowerCase()}${group}/${object.metadata.name}`;
}

/** Objects from files, folders (subfolders too when recursive) and `-` (standard input), with -n applied to those that name no namespace. */
export function readObjects(paths: readonly string[], namespace?: string, options: { recursive?: boolean } = {}): SourcedObject[] {
  return readManifests(paths, namespace, options).objects;
}

/** The files as read (for checks that point at lines, such as lint) and their objects, as readObjects reads them. */
export function readManifests(paths: readonly string[], namespace?: string, options: { recursive?: boolean } = {}): { files: InputFile[]; objects: SourcedObject[] } {
  const files = readInputFiles(paths, { flag: '-f', recursive: options.recursive }).map((input) => ({ ...input, file: input.file === '-' ? 'stdin' : input.file }));
  const objects = files.flatMap((input) => parseObjectsQuickly(input.text, input.file));
  if (objects.length === 0) throw new InputError(`${paths.map((p) => (p === '-' ? 'standard input' : p)).join(', ')}: no Kubernetes objects found`);
  if (namespace) {
    for (const s of objects) {
      const own = s.object.metadata.namespace;
      if (own !== undefined && own !== namespace) {
        throw new InputError(`${s.file}: doc ${s.doc}: metadata.namespace is ${own}, but -n asks for ${namespace}`, {
          hint: 'drop metadata.namespace from the file or use the same namespace with -n',
        });
      }
    }
  }
  return { files, objects };
}
