// `shipline explain FIELD`: a config field's meaning, type, default and an example, read
// from the JSON Schema generated from the zod schemas that validate shipline.yaml — the
// descriptions live there, nowhere else.
import { stringify } from 'yaml';
import { distance } from '../model/suggest.js';
import { InputError } from '../errors.js';
import { configJsonSchema } from './json-schema.js';

interface SchemaNode {
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  examples?: unknown[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
}

export interface FieldDoc {
  /** The dotted path, without list indexes: routing.rules.retries. */
  path: string;
  description: string;
  type: string;
  required: boolean;
  default?: unknown;
  /** The field's value in an example (from the schema's examples, else its default). */
  example?: unknown;
  /** The example as a shipline.yaml excerpt, nested under the field's path. */
  exampleYaml?: string;
  /** Fields of a mapping, for `explain <path>.<field>`. */
  fields: { name: string; description: string }[];
}

/** An object node within a union or a list (arrays are stepped through transparently). */
function mapping(node: SchemaNode): SchemaNode {
  if (node.items) return mapping(node.items);
  const alternatives = node.anyOf ?? node.oneOf;
  const object = alternatives?.find((a) => mapping(a).properties);
  return object ? mapping(object) : node;
}

function typeOf(node: SchemaNode): string {
  if (node.enum) return `one of ${node.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (node.const !== undefined) return JSON.stringify(node.const);
  const alternatives = node.anyOf ?? node.oneOf;
  if (alternatives) return [...new Set(alternatives.map(typeOf))].join(' or ');
  const type = Array.isArray(node.type) ? node.type.join(' or ') : node.type;
  switch (type) {
    case 'array':
      return node.items ? `list of ${typeOf(node.items)}` : 'list';
    case 'object':
      if (node.properties) return 'mapping';
      return typeof node.additionalProperties === 'object' ? `mapping of name → ${typeOf(node.additionalProperties)}` : 'mapping';
    case 'integer':
      return 'whole number';
    case undefined:
      return 'any';
    default:
      return type;
  }
}

interface Step {
  key: string;
  /** The value at this key is a list (the example nests list items). */
  list: boolean;
}

/** Every field path of the schema (records as `<name>`), for suggestions. */
export function fieldPaths(node: SchemaNode = configJsonSchema() as SchemaNode, prefix = ''): string[] {
  const object = mapping(node);
  const out: string[] = [];
  for (const [key, child] of Object.entries(object.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.push(path, ...fieldPaths(child, path));
  }
  return out;
}

function exampleAt(steps: Step[], value: unknown): string {
  let nested = value;
  for (let i = steps.length - 1; i >= 0; i--) {
    nested = { [steps[i]!.key]: nested };
    if (i > 0 && steps[i - 1]!.list) nested = [nested];
  }
  return stringify(nested, { lineWidth: 0 });
}

/** The closest field paths to a wrong one, best first. */
export function closestFields(wanted: string, count = 3): string[] {
  const last = wanted.split('.').at(-1)!.toLowerCase();
  return fieldPaths()
    .map((path) => ({ path, score: Math.min(distance(wanted.toLowerCase(), path.toLowerCase()), distance(last, path.split('.').at(-1)!.toLowerCase()) + 0.5) }))
    .sort((a, b) => a.score - b.score || a.path.length - b.path.length)
    .slice(0, count)
    .map((s) => s.path);
}

/** The documentation of `path` (list indexes such as rules[0] are ignored). */
export function explainField(path: string): FieldDoc {
  const keys = path.replace(/\[\d*\]/g, '').split('.').filter((k) => k !== '');
  const root = configJsonSchema() as SchemaNode;
  let node: SchemaNode = root;
  let required = true;
  const steps: Step[] = [];
  for (const key of keys) {
    const parent = mapping(node);
    const additional = typeof parent.additionalProperties === 'object' ? parent.additionalProperties : undefined;
    const child = parent.properties?.[key] ?? additional;
    if (!child) {
      const known = steps.map((s) => s.key).join('.');
      throw new InputError(`explain ${path}: ${known ? `${known} has no field ${key}` : `no top-level section ${key}`}`, {
        hint: `did you mean ${closestFields(keys.join('.')).join(', ')}? (\`shipline explain\` lists the sections)`,
      });
    }
    required = parent.properties?.[key] ? (parent.required ?? []).includes(key) : false;
    node = child;
    steps.push({ key, list: typeOf(child).startsWith('list') });
  }
  const fields = Object.entries(mapping(node).properties ?? {}).map(([name, child]) => ({ name, description: child.description ?? '' }));
  const example = node.examples?.[0] ?? node.default;
  return {
    path: keys.join('.'),
    description: node.description ?? (keys.length === 0 ? (root as { title?: string }).title ?? '' : ''),
    type: keys.length === 0 ? 'mapping' : typeOf(node),
    required,
    ...(node.default !== undefined ? { default: node.default } : {}),
    ...(example !== undefined ? { example, exampleYaml: exampleAt(steps, example) } : {}),
    fields,
  };
}

export function formatFieldDoc(doc: FieldDoc): string {
  if (!doc.path) {
    const width = Math.max(...doc.fields.map((f) => f.name.length));
    return `shipline.yaml sections (shipline explain SECTION.FIELD for more):\n${doc.fields.map((f) => `  ${f.name.padEnd(width)}  ${f.description}`).join('\n')}\n`;
  }
  const lines = [`${doc.path}: ${doc.description}`];
  lines.push(`  type:     ${doc.type}${doc.required ? ' (required)' : ''}`);
  lines.push(`  default:  ${doc.default === undefined ? (doc.required ? 'none' : 'none (optional)') : JSON.stringify(doc.default)}`);
  if (doc.fields.length > 0) lines.push(`  fields:   ${doc.fields.map((f) => f.name).join(', ')}  (shipline explain ${doc.path}.FIELD)`);
  if (doc.exampleYaml) lines.push('  example:', ...doc.exampleYaml.trimEnd().split('\n').map((l) => `    ${l}`));
  return `${lines.join('\n')}\n`;
}
