// Reads Kubernetes objects from multi-document YAML files, each remembered with the
// file and document it came from.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readFileSync } from 'node:fs';
import type { KubeObject } from '../adapters/kube.js';
import { InputError } from '../errors.js';

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

function expand(paths: readonly string[]): string[] {
  return paths.flatMap((path) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      throw new InputError(`${path}: no such file`, { hint: 'pass existing YAML files or folders with -f' });
    }
    if (!stat.isDirectory()) return [path];
    return readdirSync(path)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => join(path, f));
  });
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
    const o = value as Partial<KubeObject>;
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
    out.push({ object: value as KubeObject, file, doc: i + 1 });
  });
  return out;
}

/** Objects from files and folders, with -n applied to those that name no namespace. */
export function readObjects(paths: readonly string[], namespace?: string): SourcedObject[] {
  const objects = expand(paths).flatMap((file) => parseObjects(readFileSync(file, 'utf8'), file));
  if (objects.length === 0) throw new InputError(`${paths.join(', ')}: no Kubernetes objects found`);
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
