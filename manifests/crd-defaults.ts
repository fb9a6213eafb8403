// Schema defaults, applied before validation as the apiserver applies them: a missing
// field with a `default` gets it (and the defaults inside it), in objects, list items
// and map values alike. oneOf/anyOf branches carry no defaults in structural schemas.
import type { Schema } from './crd-schemas.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Schema nodes with a default at or beneath them; values under the others are left as they are. */
const defaulting = new WeakMap<Schema, boolean>();

function hasDefaults(schema: Schema): boolean {
  let known = defaulting.get(schema);
  if (known === undefined) {
    defaulting.set(schema, false); // a recursive schema ends here
    const properties = Object.values((schema.properties as Record<string, Schema> | undefined) ?? {});
    known =
      properties.some((p) => p.default !== undefined) ||
      [...properties, schema.items, schema.additionalProperties].some((sub) => isObject(sub) && hasDefaults(sub as Schema));
    defaulting.set(schema, known);
  }
  return known;
}

const copyOf = (value: unknown): unknown => (value !== null && typeof value === 'object' ? structuredClone(value) : value);

/** value with the schema's defaults filled in: copies where a default is added, value itself is not changed. */
export function withDefaults(schema: Schema | undefined, value: unknown): unknown {
  if (!schema || !hasDefaults(schema)) return value;
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined;
    return items ? value.map((item) => withDefaults(items, item)) : value;
  }
  if (!isObject(value)) return value;
  const properties = schema.properties as Record<string, Schema> | undefined;
  const extra = isObject(schema.additionalProperties) ? (schema.additionalProperties as Schema) : undefined;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = withDefaults(properties?.[key] ?? extra, v);
  for (const [key, property] of Object.entries(properties ?? {})) {
    if (out[key] === undefined && property.default !== undefined) out[key] = withDefaults(property, copyOf(property.default));
  }
  return out;
}
