// The DestinationRule subsets a VirtualService's destinations and mirrors are checked
// against: of every document of the run, so each lint thread gets those of all files.
import { parseDocs, type Doc } from './lint-parse.js';
import type { LintInput } from './lint-types.js';

type Obj = Record<string, unknown>;

/** DestinationRule subsets by host, as the VirtualService rules look them up (the last rule of a host wins). */
export function subsetsOfDocs(docs: readonly Doc[]): Map<string, string[]> {
  const subsets = new Map<string, string[]>();
  for (const d of docs) addSubsets(d, subsets);
  return subsets;
}

/** Adds the subsets of a document, when it is a DestinationRule, to `subsets` (a later rule of a host replaces an earlier one). */
export function addSubsets(d: Doc, subsets: Map<string, string[]>): void {
  const spec = d.value.spec as Obj | undefined;
  if (d.value.kind === 'DestinationRule' && typeof spec?.host === 'string' && Array.isArray(spec.subsets)) {
    subsets.set(spec.host, spec.subsets.map((s) => String((s as Obj)?.name)));
  }
}

/** The subsets of every DestinationRule in the inputs, read from the files that mention one. */
export function subsetsIn(inputs: readonly LintInput[]): [string, string[]][] {
  return [...subsetsOfDocs(inputs.filter((input) => input.text.includes('DestinationRule')).flatMap((input) => parseDocs(input, [])))];
}
