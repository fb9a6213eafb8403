// Deterministic YAML for manifests: stable key order, null and undefined dropped, no
// line folding, no anchors, one document per object.
import { stringify } from 'yaml';

// Keys that read best first, in this order (as in hand-written manifests); the rest
// follow alphabetically.
const leading = ['apiVersion', 'kind', 'metadata', 'spec', 'name', 'namespace', 'type', 'host', 'match', 'matches'];
const rank = (key: string) => {
  const i = leading.indexOf(key);
  return i < 0 ? leading.length : i;
};
const byKey = (a: string, b: string) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);

/** A copy with object keys in stable order and null/undefined values dropped. */
export function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize).filter((v) => v !== undefined);
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(byKey)) {
    const v = normalize((value as Record<string, unknown>)[key]);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

export function toYaml(docs: readonly unknown[]): string {
  return docs
    .map((doc) => stringify(normalize(doc), { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false }))
    .join('---\n');
}
