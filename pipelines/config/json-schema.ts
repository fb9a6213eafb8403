// The JSON Schema of the whole shipline.yaml, generated from the same zod schemas that
// validate it, so editors complete exactly what shipline accepts.
import * as z from 'zod';
import { routingJsonSchema } from '../../manifests/intent.js';
import { rolloutSection } from './rollout.js';
import { buildConfigSchema } from './schema.js';

/**
 * zod leaves out the examples and defaults of a schema holding a transform when it writes the
 * input side; they are what a user writes, so they are put back.
 */
function inputJsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      const examples = z.globalRegistry.get(zodSchema)?.examples;
      if (examples !== undefined && jsonSchema.examples === undefined) jsonSchema.examples = examples as unknown[];
      if (zodSchema instanceof z.ZodDefault && jsonSchema.default === undefined) jsonSchema.default = JSON.parse(JSON.stringify(zodSchema.def.defaultValue)) as unknown;
    },
  }) as Record<string, unknown>;
}

export function configJsonSchema(): Record<string, unknown> {
  const base = inputJsonSchema(buildConfigSchema) as Record<string, unknown> & { properties: Record<string, unknown> };
  const routing = routingJsonSchema() as Record<string, unknown> & { properties?: Record<string, unknown> };
  const { $schema: _drop, ...routingBody } = routing;
  return {
    ...base,
    $id: 'https://shipline.dev/schema/shipline.schema.json',
    title: 'shipline.yaml',
    properties: {
      ...base.properties,
      routing: {
        ...routingBody,
        properties: {
          ...(routing.properties ?? {}),
          api: { ...(routing.properties?.api as object), enum: ['auto', 'istio', 'gateway-api'], default: 'auto' },
          istioVersion: { ...(routing.properties?.istioVersion as object), enum: ['v1', 'v1beta1', 'v1alpha3'] },
          implementation: { ...(routing.properties?.implementation as object), enum: ['auto', 'external'], default: 'auto' },
        },
      },
      rollout: inputJsonSchema(rolloutSection),
    },
  };
}
