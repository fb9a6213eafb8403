// Schema defaults, applied before validation as the apiserver applies them: a missing
// field with a `default` gets it (and the defaults inside it), in objects, list items
// and map values alike. oneOf/anyOf branches carry no defaults in structural schemas.
import type { Schema } from './crd-schemas.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** What withDefaults needs of a schema node, worked out once per node. */
interface Shape {
  /** A default at or beneath the node; values under the others are left as they are. */
  defaults: boolean;
  properties?: Record<string, Schema>;
  extra?: Schema;
  /** The properties that have a default. */
  defaulted: [string, Schema][];
}

const shapes = new WeakMap<Schema, Shape>();

function shapeOf(schema: Schema): Shape {
  let shape = shapes.get(schema);
  if (shape === undefined) {
    const properties = schema.properties as Record<string, Schema> | undefined;
    const extra = isObject(schema.additionalProperties) ? (schema.additionalProperties as Schema) : undefined;
    const defaulted = Object.entries(properties ?? {}).filter(([, p]) => p.default !== undefined);
    shape = { defaults: false, properties, extra, defaulted };
    shapes.set(schema, shape); // a recursive schema ends here
    const subs = [...Object.values(properties ?? {}), schema.items, extra];
    shape.defaults = defaulted.length > 0 || subs.some((sub) => isObject(sub) && shapeOf(sub as Schema).defaults);
  }
  return shape;
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
  if (!schema) return value;
  const shape = shapeOf(schema);
  if (!shape.defaults) return value;
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
  const { properties, extra, defaulted } = shape;
  let out: Record<string, unknown> | undefined;
  for (const key in value) {
    const v = value[key];
    const defaultedValue = withDefaults(properties?.[key] ?? extra, v);
    if (defaultedValue !== v) (out ??= { ...value })[key] = defaultedValue;
  }
  for (const [key, property] of defaulted) {
    if ((out ?? value)[key] === undefined) (out ??= { ...value })[key] = withDefaults(property, copyOf(property.default));
  }
  return out ?? value;
}
