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

/** A copy of a default (JSON data): faster than structuredClone on the small values defaults are. */
function copyOf(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyOf);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copyOf((value as Record<string, unknown>)[key]);
  return out;
}

/**
 * value with the schema's defaults filled in: copies where a default is added (along the
 * path to it), value itself is not changed; where nothing is added, value itself is returned.
 */
export function withDefaults(schema: Schema | undefined, value: unknown): unknown {
  if (!schema || !hasDefaults(schema)) return value;
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined;
    if (!items) return value;
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = withDefaults(items, value[i]);
      if (item !== value[i]) (out ??= value.slice())[i] = item;
    }
    return out ?? value;
  }
  if (!isObject(value)) return value;
  const properties = schema.properties as Record<string, Schema> | undefined;
  const extra = isObject(schema.additionalProperties) ? (schema.additionalProperties as Schema) : undefined;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const v = value[key];
    const defaulted = withDefaults(properties?.[key] ?? extra, v);
    if (defaulted !== v) (out ??= { ...value })[key] = defaulted;
  }
  if (properties) {
    for (const key of Object.keys(properties)) {
      const property = properties[key]!;
      if (property.default !== undefined && (out ?? value)[key] === undefined) (out ??= { ...value })[key] = withDefaults(property, copyOf(property.default));
    }
  }
  return out ?? value;
}
