// Reads a YAML config file and turns schema issues into one InputError that names the
// file, every field path and what is wrong with it.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../errors.js';

/** Parses a YAML file; errors name the file as `shown` (what the user typed). */
export function readYamlFile(file: string, shown = file): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`${shown}: cannot read (${code ?? String(error)})`, {
      hint: code === 'ENOENT' ? 'check the path, or run `shipline init` to write a starter config' : undefined,
    });
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const where = first.linePos?.[0] ? `line ${first.linePos[0].line}, column ${first.linePos[0].col}` : 'YAML';
    throw new InputError(`${shown}: ${where}: ${first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, {
      hint: 'fix the YAML syntax (indentation, quotes, duplicate keys)',
    });
  }
  try {
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
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

export function invalidConfig(file: string, issues: readonly ConfigIssue[], hint?: string): InputError {
  const lines = issues.map((i) => `${file}: ${i.path}: ${i.message}`);
  return new InputError(lines.length === 1 ? lines[0]! : `${file} is invalid:\n  ${lines.join('\n  ')}`, { hint });
}

export function zodIssues(error: z.ZodError, prefix = ''): ConfigIssue[] {
  return error.issues.map((issue) => ({ path: fieldPath(issue.path, prefix), message: issue.message }));
}
