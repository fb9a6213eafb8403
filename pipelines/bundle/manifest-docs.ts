// Pure handling of the rendered manifests in a bundle: parsing, the routing API versions
// they assume, and rewriting image references to a private registry pinned by digest.
import { isPair, isScalar, isSeq, parseAllDocuments, visit, type Document } from 'yaml';
import { InputError } from '../errors.js';
import { listItems } from '../model/kube-documents.js';
import { parseImageRef } from '../model/image-ref.js';

export interface KubeDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

const routingGroups = ['networking.istio.io/', 'gateway.networking.k8s.io/', 'security.istio.io/'];

function parseDocs(file: string, text: string): Document.Parsed[] {
  const docs = parseAllDocuments(text);
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const [line, col] = error.linePos?.[0] ? [error.linePos[0].line, error.linePos[0].col] : [0, 0];
      throw new InputError(`${file}:${line}:${col}: ${error.message.split('\n')[0]}`, { hint: 'fix the YAML' });
    }
  }
  return docs;
}

/** The Kubernetes objects in a YAML file (empty documents skipped). */
export function kubeObjects(file: string, text: string): KubeDoc[] {
  return parseDocs(file, text).flatMap((doc, i) => {
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) return [];
    // A kubectl-style list is unpacked, as apply and lint unpack it.
    const items = listItems(value);
    return (items ?? [value]).map((item, j) => {
      const obj = item as Partial<KubeDoc> | null;
      if (typeof obj !== 'object' || obj === null || !obj.apiVersion || !obj.kind || !obj.metadata?.name) {
        throw new InputError(`${file}: document ${i + 1}${items ? ` item ${j + 1}` : ''} is not a Kubernetes object (needs apiVersion, kind and metadata.name)`);
      }
      return obj as KubeDoc;
    });
  });
}

export function routingApiVersionsOf(objects: readonly KubeDoc[]): string[] {
  return [...new Set(objects.map((o) => o.apiVersion).filter((v) => routingGroups.some((g) => v.startsWith(g))))].sort();
}

export interface ImageTarget {
  repository: string;
  tag: string;
  digests: string[];
  /** What references to it become, e.g. "127.0.0.1:5001/modco/link@sha256:…". */
  pinned: string;
}

export interface Rewrite {
  file: string;
  path: string;
  from: string;
  to: string;
}

function matches(ref: string, target: ImageTarget): boolean {
  const parsed = parseImageRef(ref);
  if (!parsed || parsed.repository !== target.repository) return false;
  if (parsed.digest) return target.digests.includes(parsed.digest);
  return (parsed.tag ?? 'latest') === target.tag;
}

/** The field path of a node, e.g. "spec.template.spec.containers[0]", from visit()'s ancestors. */
function fieldPath(path: readonly unknown[]): string {
  let out = '';
  path.forEach((node, i) => {
    if (isPair(node) && isScalar(node.key)) out += `${out ? '.' : ''}${String(node.key.value)}`;
    if (isSeq(node)) out += `[${node.items.indexOf(path[i + 1] as never)}]`;
  });
  return out;
}

/**
 * Rewrites `image:` fields of containers that name a bundle image. Only the scalar's text
 * is replaced in the source, so comments, quoting and layout stay exactly as they were.
 */
export function rewriteImages(file: string, text: string, targets: readonly ImageTarget[]): { text: string; rewrites: Rewrite[]; unmatched: Rewrite[] } {
  const rewrites: Rewrite[] = [];
  const unmatched: Rewrite[] = [];
  const edits: { start: number; end: number; to: string }[] = [];
  for (const doc of parseDocs(file, text)) {
    visit(doc, {
      Pair(_key, pair, path) {
        if (!isScalar(pair.key) || pair.key.value !== 'image' || !isScalar(pair.value) || typeof pair.value.value !== 'string') return;
        const where = `${fieldPath([...path, pair])}`;
        if (!/(^|\.)(initC|ephemeralC|c)ontainers\[\d+\]\.image$/.test(where)) return;
        const from = pair.value.value;
        const target = targets.find((t) => matches(from, t));
        if (!target) {
          unmatched.push({ file, path: where, from, to: from });
          return;
        }
        const [start, end] = pair.value.range!;
        edits.push({ start, end, to: target.pinned });
        rewrites.push({ file, path: where, from, to: target.pinned });
      },
    });
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.to + out.slice(e.end);
  return { text: out, rewrites, unmatched };
}
