// Turns zod issues into config issues a release engineer can act on: unknown keys
// get a "did you mean", missing fields say so, record keys name the bad key.
import type * as z from 'zod';
import { fieldPath, type ConfigIssue } from '../pipelines/model/config-issues.js';
import { didYouMean } from '../pipelines/model/suggest.js';

type JsonSchemaNode = {
  properties?: Record<string, JsonSchemaNode>;
  additionalProperties?: JsonSchemaNode | boolean;
  items?: JsonSchemaNode;
};

/** The JSON Schema node that describes the value at `path`. */
function nodeAt(root: JsonSchemaNode, path: readonly PropertyKey[]): JsonSchemaNode | undefined {
  let node: JsonSchemaNode | undefined = root;
  for (const key of path) {
    if (!node) return undefined;
    if (typeof key === 'number') node = node.items;
    else {
      const additional: JsonSchemaNode | boolean | undefined = node.additionalProperties;
      node = node.properties?.[String(key)] ?? (typeof additional === 'object' ? additional : undefined);
    }
  }
  return node;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

export function issuesFromZod(error: z.ZodError, raw: unknown, schema: object, prefix: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = Object.keys(nodeAt(schema as JsonSchemaNode, issue.path)?.properties ?? {});
      for (const key of issue.keys) {
        issues.push({ path: fieldPath([...issue.path, key], prefix), message: `unknown field; ${didYouMean(key, known)}` });
      }
      continue;
    }
    const path = fieldPath(issue.path, prefix);
    if (issue.code === 'invalid_key') {
      const inner = issue.issues[0]?.message ?? issue.message;
      issues.push({ path, message: `key ${JSON.stringify(issue.path.at(-1))} ${inner}` });
      continue;
    }
    const value = valueAt(raw, issue.path);
    if (issue.code === 'invalid_type' && value === undefined) {
      issues.push({ path, message: 'missing (required)' });
    } else if (issue.code === 'invalid_type' && /^Invalid input/.test(issue.message)) {
      issues.push({ path, message: `must be ${issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}, not ${describe(value)}` });
    } else {
      issues.push({ path, message: issue.message });
    }
  }
  return issues;
}
