// Reads Kubernetes objects from multi-document YAML (or JSON) files, folders and standard
// input, each remembered with the file and document it came from.
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../adapters/kube.js';
import { InputError } from '../errors.js';
import { readInputFiles } from '../input-files.js';

export interface SourcedObject {
  object: KubeObject;
  file: string;
  /** 1-based document number in its file. */
  doc: number;
}

export function describeObject(s: SourcedObject): string {
  const ns = s.object.metadata.namespace ? `${s.object.metadata.namespace}/` : '';
  return `${s.object.kind}/${ns}${s.object.metadata.name} (${s.file} doc ${s.doc})`;
}

/** The object as `kubectl -o name` prints it: kind, then the group if any, e.g. deployment.apps/web. */
export function kubectlName(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const group = object.apiVersion.includes('/') ? `.${object.apiVersion.split('/')[0]}` : '';
  return `${object.kind.toLowerCase()}${group}/${object.metadata.name}`;
}

/** A kubectl-style list (kind List, or any *List with items), as kubectl -f unpacks it. */
function listItems(value: unknown): unknown[] | undefined {
  const o = value as { kind?: unknown; items?: unknown };
  return typeof o === 'object' && o !== null && typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items) ? o.items : undefined;
}

export function parseObjects(text: string, file: string): SourcedObject[] {
  const out: SourcedObject[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    const where = `${file}: doc ${i + 1}`;
    if (doc.errors.length > 0) {
      throw new InputError(`${where}: ${doc.errors[0]!.message.split('\n')[0]}`, { hint: 'fix the YAML syntax' });
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) return;
    const items = listItems(value);
    if (!items) out.push(checkedObject(value, where, file, i + 1));
    else items.forEach((item, j) => out.push(checkedObject(item, `${where}: items[${j}]`, file, i + 1)));
  });
  return out;
}

function checkedObject(value: unknown, where: string, file: string, doc: number): SourcedObject {
  const o = (value ?? {}) as Partial<KubeObject>;
  const missing = [
    typeof o.apiVersion !== 'string' && 'apiVersion',
    typeof o.kind !== 'string' && 'kind',
    typeof o.metadata?.name !== 'string' && 'metadata.name',
  ].filter(Boolean);
  if (typeof value !== 'object' || missing.length > 0) {
    throw new InputError(`${where}: not a Kubernetes object, missing ${missing.join(', ') || 'a mapping'}`, {
      hint: 'every document needs apiVersion, kind and metadata.name',
    });
  }
  return { object: value as KubeObject, file, doc };
}

/** Objects from files, folders (subfolders too when recursive) and `-` (standard input), with -n applied to those that name no namespace. */
export function readObjects(paths: readonly string[], namespace?: string, options: { recursive?: boolean } = {}): SourcedObject[] {
  const objects = readInputFiles(paths, { flag: '-f', recursive: options.recursive }).flatMap((input) => parseObjects(input.text, input.file === '-' ? 'stdin' : input.file));
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
  return objects;
}
