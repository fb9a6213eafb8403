// Kubernetes objects of multi-document YAML (or JSON) text, each remembered with the file
// and document it came from. kubectl-style lists (`kind: List`, any `*List` with `items`,
// render's own `ManifestList`) are unpacked here, by the one function every reader of
// manifests uses (apply, diff, delete, lint, bundle create), as kubectl -f does.
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './kube-object.js';
import { InputError } from '../errors.js';

export interface SourcedObject {
  object: KubeObject;
  file: string;
  /** 1-based document number in its file. */
  doc: number;
  /** 1-based item number when the document is a list. */
  item?: number;
}

/** The items of a kubectl-style list (kind List, or any *List with items), or undefined when the value is not one. */
export function listItems(value: unknown): unknown[] | undefined {
  const o = value as { kind?: unknown; items?: unknown };
  return typeof o === 'object' && o !== null && typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items) ? o.items : undefined;
}

export function parseObjects(text: string, file: string): SourcedObject[] {
  return parseAllDocuments(text).flatMap((doc, i) => {
    if (doc.errors.length > 0) {
      throw new InputError(`${file}: doc ${i + 1}: ${doc.errors[0]!.message.split('\n')[0]}`, { hint: 'fix the YAML syntax' });
    }
    return objectsOfDocument(doc.toJS() as unknown, file, i + 1);
  });
}

/** The objects of one document's value (none, itself, or a list's items), checked as parseObjects checks them. */
export function objectsOfDocument(value: unknown, file: string, doc: number): SourcedObject[] {
  if (value === null || value === undefined) return [];
  const where = `${file}: doc ${doc}`;
  const items = listItems(value);
  if (!items) return [checkedObject(value, where, file, doc)];
  return items.map((item, j) => ({ ...checkedObject(item, `${where}: items[${j}]`, file, doc), item: j + 1 }));
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
