// Reads a YAML config file and turns schema issues into one InputError that names the
// file, every field path and what is wrong with it. Where a field stands in its file
// travels as a value (FieldPositions) from the reader to whoever reports the issue.
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import type * as z from 'zod';
import { InputError } from '../errors.js';

export interface FieldPosition {
  line: number;
  col: number;
}

/** Line and column of a field path (`routing.rules[2].to`) in the file it was read from. */
export type FieldPositions = (path: string) => FieldPosition | undefined;

export interface YamlFile {
  value: unknown;
  positions: FieldPositions;
}

/** A specific fix for the YAML syntax errors people make most. */
function yamlHint(error: YAMLError): string {
  switch (error.code) {
    case 'TAB_AS_INDENT':
      return 'YAML indents with spaces only: replace the tab(s) at the start of that line with spaces (2 per level), e.g. `expand -t 2`';
    case 'DUPLICATE_KEY':
      return 'a key appears twice in one mapping: keep one of them';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'indent each nested field by 2 spaces more than its parent, and align the fields of one mapping';
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return 'put a space after each `key:`, and quote values that contain `: ` or start with *, &, !, %, @ or `';
    default:
      return 'fix the YAML syntax (indentation with spaces, quotes, duplicate keys)';
  }
}

/** Parses a YAML file; errors name the file as `shown` (what the user typed). */
export function readYamlFile(file: string, shown = file): unknown {
  return readYamlDocument(file, shown).value;
}

/** Parses a YAML file and keeps where each field stands in it, for error messages. */
export function readYamlDocument(file: string, shown = file): YamlFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`${shown}: cannot read (${code ?? String(error)})`, {
      hint: code === 'ENOENT' ? 'check the path, or run `shipline init` to write a starter config' : undefined,
    });
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const where = first.linePos?.[0] ? `line ${first.linePos[0].line}, column ${first.linePos[0].col}` : 'YAML';
    throw new InputError(`${shown}: ${where}: ${first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, {
      hint: yamlHint(first),
    });
  }
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }) as unknown, positions: (path) => fieldPosition(doc, lines, path) };
  } catch (error) {
    // e.g. an alias bomb ("billion laughs"): refuse rather than expand it.
    throw new InputError(`${shown}: ${(error as Error).message}`, { hint: 'remove the deeply nested YAML aliases (&anchor / *alias)' });
  }
}

/** `routing.rules[2].to` from a zod issue path. */
export function fieldPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(top level)';
}

export interface ConfigIssue {
  path: string;
  message: string;
}

/** `routing.rules[2].to` → ['routing', 'rules', 2, 'to']. */
function pathKeys(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

/**
 * Line and column of the field at `path` in a parsed document: its key, or the nearest
 * enclosing field that exists (for a missing one).
 */
function fieldPosition(doc: Document, lines: LineCounter, path: string): FieldPosition | undefined {
  if (path.startsWith('(')) return undefined;
  let node: unknown = doc.contents;
  let offset: number | undefined;
  for (const key of pathKeys(path)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
      if (!pair) break;
      offset = isScalar(pair.key) ? pair.key.range?.[0] : offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number' && node.items[key] !== undefined) {
      node = node.items[key];
      offset = (node as { range?: [number, number, number] }).range?.[0] ?? offset;
    } else break;
  }
  return offset === undefined ? undefined : lines.linePos(offset);
}

/** One InputError naming every issue of `file`, each with its line and column when `positions` knows them. */
export function invalidConfig(file: string, issues: readonly ConfigIssue[], hint?: string, positions?: FieldPositions): InputError {
  const lines = issues.map((i) => {
    const at = positions?.(i.path);
    return `${file}: ${i.path}: ${i.message}${at ? ` (line ${at.line}, column ${at.col})` : ''}`;
  });
  return new InputError(lines.length === 1 ? lines[0]! : `${file} is invalid:\n  ${lines.join('\n  ')}`, { hint });
}

export function zodIssues(error: z.ZodError, prefix = ''): ConfigIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: fieldPath([...issue.path, key], prefix), message: 'unknown field' }))
      : [{ path: fieldPath(issue.path, prefix), message: issue.message }],
  );
}

/** The fix line of a config error: `shipline explain` for the first field named (its parent for an unknown field). */
export function explainHint(issues: readonly ConfigIssue[]): string {
  const first = issues[0];
  const path = first?.path.startsWith('(') === false ? first.path.replace(/\[\d+\]/g, '') : '';
  const field = first?.message.startsWith('unknown field') ? path.split('.').slice(0, -1).join('.') : path;
  if (!field) return '`shipline explain` lists the sections of shipline.yaml; `shipline explain SECTION.FIELD` what a field takes';
  return `\`shipline explain ${field}\` shows what the field takes, its default and an example`;
}
