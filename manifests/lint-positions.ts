// Where a finding is in its file: the line and column of the field its path names (or of
// the nearest enclosing one that exists, for a missing field), found in the `yaml`
// library's node ranges. Only files with findings are parsed this way: clean files are
// read by the faster parser alone.
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';

export interface Position {
  line: number;
  column: number;
}

/** `spec.rules[0].matches[1]` → ['spec', 'rules', 0, 'matches', 1]; `(document)` → []. */
export function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.matchAll(/\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]|([^.[\]]+)/g)) {
    if (part[1] !== undefined) out.push(Number(part[1]));
    else out.push(part[2] ?? part[3] ?? part[4]!);
  }
  return path === '(document)' ? [] : out;
}

/** The offset of the field at `segments` in `node`, or of the deepest part of it that exists. */
function offsetOf(node: Node | null, segments: readonly (string | number)[]): number | undefined {
  let current: unknown = node;
  let offset = node?.range?.[0];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (isSeq(current) && typeof segment === 'number') {
      const item = current.items[segment] as Node | undefined;
      if (!item) break;
      current = item;
      offset = item.range?.[0] ?? offset;
      continue;
    }
    if (!isMap(current)) break;
    const map = current;
    // A key may hold dots itself (labels, annotations): try the longest key that matches.
    let matched = false;
    for (let j = segments.length; j > i && !matched; j--) {
      const key = segments.slice(i, j).join('.');
      const pair = map.items.find((p) => (isScalar(p.key) ? String(p.key.value) : undefined) === key);
      if (!pair) continue;
      matched = true;
      offset = (pair.key as Node | null)?.range?.[0] ?? offset;
      current = pair.value;
      i = j - 1;
    }
    if (!matched) break;
  }
  return offset;
}

/** Positions (1-based line and column) of paths in the documents of `text`, by 1-based document number. */
export function positionsIn(text: string): (doc: number, path: string) => Position {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter });
  const list = Array.isArray(documents) ? documents : [];
  return (doc, path) => {
    const document = list[doc - 1];
    const offset = document ? offsetOf(document.contents as Node | null, pathSegments(path)) ?? document.range[0] : 0;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
}
