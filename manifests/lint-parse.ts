// lint's reading of manifest files: the documents of each file (the one fast reader,
// pipelines/model/plain-yaml.ts, for plain manifests; `yaml` for anything else),
// kubectl-style lists unpacked into their items by the one function every reader of
// manifests uses, and a YAML syntax error as one finding with its line and a fix.
import { parseAllDocuments, type YAMLError } from 'yaml';
import { listItems } from '../pipelines/model/kube-documents.js';
import { plainYamlValues } from '../pipelines/model/plain-yaml.js';
import type { LintInput, Unplaced } from './lint-types.js';

type Obj = Record<string, unknown>;

/** One object to check: a document, or one item of a list document. */
export interface Doc {
  file: string;
  doc: number;
  /** 1-based item number when the document is a list. */
  item?: number;
  object: string;
  value: Obj;
}

const notAnObject = { path: '(document)', message: 'must be a mapping with apiVersion, kind, metadata and spec', fix: 'write the object as a YAML mapping (key: value lines), or remove the document' };

function objectOf(input: LintInput, doc: number, item: number | undefined, value: unknown, findings: Unplaced[]): Doc | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    findings.push({ file: input.file, doc, item, object: '?', severity: 'error', ...notAnObject });
    return undefined;
  }
  const v = value as Obj;
  const meta = (v.metadata ?? {}) as Obj;
  return { file: input.file, doc, item, object: `${String(v.kind ?? '?')}/${String(meta.name ?? '?')}`, value: v };
}

/** The objects of a document: itself, or the items of a list. */
function docsOf(input: LintInput, doc: number, value: unknown, findings: Unplaced[]): Doc[] {
  if (value === null || value === undefined) return [];
  const items = listItems(value);
  if (!items) return [objectOf(input, doc, undefined, value, findings)].filter((d) => d !== undefined);
  return items.flatMap((item, j) => objectOf(input, doc, j + 1, item, findings) ?? []);
}

/** The fix for a YAML error, by the `yaml` library's error code. */
function syntaxFix(error: YAMLError): string {
  switch (error.code) {
    case 'TAB_AS_INDENT':
      return 'indent with spaces: YAML does not allow tabs in indentation';
    case 'DUPLICATE_KEY':
      return 'remove one of the two keys, or merge their values into one';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
    case 'UNEXPECTED_TOKEN':
      return 'line the key up with its siblings, and close every quote and bracket opened on this line or the one before';
    case 'ALIAS_PROPS':
    case 'BAD_ALIAS':
      return 'define the anchor (&name) before its alias (*name), or write the value out';
    default:
      return 'fix the YAML syntax at this line (quotes, brackets, indentation)';
  }
}

/** One finding for a document the YAML parser refused: its first error, at its line. */
function syntaxFinding(input: LintInput, doc: number, error: YAMLError): Unplaced {
  const pos = error.linePos?.[0];
  const text = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return { file: input.file, doc, object: '?', severity: 'error', path: 'YAML', message: `YAML syntax: ${text.charAt(0).toLowerCase()}${text.slice(1)}`, fix: syntaxFix(error), line: pos?.line, column: pos?.col };
}

export function parseDocs(input: LintInput, findings: Unplaced[]): Doc[] {
  const plain = plainYamlValues(input.text);
  if (plain) return plain.flatMap((value, i) => docsOf(input, i + 1, value, findings));
  const docs: Doc[] = [];
  parseAllDocuments(input.text, { uniqueKeys: true, prettyErrors: true }).forEach((document, i) => {
    const doc = i + 1;
    if (document.errors.length > 0) {
      findings.push(syntaxFinding(input, doc, document.errors[0]!));
      return;
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      findings.push({ file: input.file, doc, object: '?', severity: 'error', path: 'YAML', message: (error as Error).message, fix: 'write the values out instead of nesting aliases' });
      return;
    }
    docs.push(...docsOf(input, doc, value, findings));
  });
  return docs;
}
