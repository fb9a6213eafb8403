// The JSON Schema of the whole shipline.yaml, generated from the same zod schemas that
// validate it, so editors complete exactly what shipline accepts.
import { z } from 'zod';
import { routingJsonSchema } from '../../manifests/intent.js';
import { rolloutSection } from '../rollout/config.js';
import { buildConfigSchema } from './schema.js';

export function configJsonSchema(): Record<string, unknown> {
  const base = z.toJSONSchema(buildConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown> & { properties: Record<string, unknown> };
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
        },
      },
      rollout: z.toJSONSchema(rolloutSection, { io: 'input', unrepresentable: 'any' }),
    },
  };
}
