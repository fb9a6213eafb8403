// Schema defaults, applied before validation as the apiserver applies them: a missing
// field with a `default` gets it (and the defaults inside it), in objects, list items
// and map values alike. oneOf/anyOf branches carry no defaults in structural schemas.
import type { Schema } from './crd-schemas.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A copy of value with the schema's defaults filled in (value itself is not changed). */
export function withDefaults(schema: Schema | undefined, value: unknown): unknown {
  if (!schema) return value;
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined;
    return items ? value.map((item) => withDefaults(items, item)) : value;
  }
  if (!isObject(value)) return value;
  const properties = schema.properties as Record<string, Schema> | undefined;
  const extra = isObject(schema.additionalProperties) ? (schema.additionalProperties as Schema) : undefined;
  if (!properties && !extra) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = withDefaults(properties?.[key] ?? extra, v);
  for (const [key, property] of Object.entries(properties ?? {})) {
    if (out[key] === undefined && property.default !== undefined) out[key] = withDefaults(property, structuredClone(property.default));
  }
  return out;
}
