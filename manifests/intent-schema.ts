// The routing intent (`routing` in shipline.yaml) as one zod schema: the TypeScript
// types and the JSON Schema come from it, never written by hand.
import { z } from 'zod';
import { durationPattern } from './duration.js';

const dnsLabelRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomainRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const dnsLabel = z
  .string()
  .max(63, 'must be at most 63 characters')
  .regex(dnsLabelRe, 'must be a DNS-1123 label: lowercase letters, digits and -, starting and ending alphanumeric');
export const dnsSubdomainSchema = z
  .string()
  .max(253, 'must be at most 253 characters')
  .regex(dnsSubdomainRe, 'must be a DNS-1123 name: lowercase letters, digits, - and ., e.g. my-service');
const host = z
  .string()
  .max(253, 'must be at most 253 characters')
  .regex(/^(\*|(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$/, 'must be a DNS name such as example.com or *.example.com');
const gatewayRef = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a gateway name, or namespace/name');
const port = z
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(1, 'must be a port between 1 and 65535')
  .max(65535, 'must be a port between 1 and 65535');
const percent = z.number({ error: 'must be a percentage' }).min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100');
const duration = z
  .string({ error: 'must be a duration such as 5s' })
  .regex(durationPattern, 'must be a duration such as 5s, 500ms, 1m or 1m30s (digits then h, m, s or ms)');
const labelKey = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'must be a label key such as version or app.kubernetes.io/name');
const labelValue = z
  .string({ error: 'must be a label value (a string; quote numbers)' })
  .regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/, 'must be a label value: at most 63 letters, digits, -, _ or .');
const labels = z.record(labelKey, labelValue);
const headerName = z
  .string()
  .regex(/^[a-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a lowercase HTTP header name such as x-user (Istio matches lowercase names)');

export const stringMatchSchema = z.strictObject({
  exact: z.string().optional(),
  prefix: z.string().optional(),
  regex: z.string().optional(),
});

export const matchSchema = z.strictObject({
  path: stringMatchSchema.optional(),
  headers: z.record(headerName, stringMatchSchema).optional(),
});

export const destinationSchema = z.strictObject({
  service: dnsSubdomainSchema.optional(),
  subset: dnsLabel.optional(),
  port: port.optional(),
  weight: z.number().int('must be a whole number').min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100').optional(),
});

export const ruleSchema = z.strictObject({
  /** Optional rule name, rendered as the Istio route name / HTTPRoute rule name. */
  name: dnsLabel.optional(),
  match: matchSchema.optional(),
  to: z.array(destinationSchema).min(1, 'needs at least one destination, e.g. [{ subset: v1 }]'),
  mirror: z
    .strictObject({
      service: dnsSubdomainSchema.optional(),
      subset: dnsLabel.optional(),
      port: port.optional(),
      /** Share of requests copied; all of them when omitted. */
      percent: percent.optional(),
    })
    .optional(),
  fault: z
    .strictObject({
      delay: z.strictObject({ percent, fixed: duration }).optional(),
      abort: z
        .strictObject({
          percent,
          status: z.number().int('must be a whole number').min(200, 'must be an HTTP status 200-599').max(599, 'must be an HTTP status 200-599'),
        })
        .optional(),
    })
    .optional(),
  timeout: duration.optional(),
  retries: z
    .strictObject({
      attempts: z.number().int('must be a whole number').min(0, 'must be 0 or more'),
      perTryTimeout: duration.optional(),
      /** Istio retryOn: comma-separated conditions (5xx, reset, connect-failure...) or status codes. */
      on: z.string().optional(),
      backoff: duration.optional(),
    })
    .optional(),
});

export const routingSchema = z.strictObject({
  name: dnsSubdomainSchema,
  namespace: dnsLabel.default('default'),
  hosts: z.array(host).min(1, 'needs at least one host, e.g. [example.com]'),
  gateways: z.array(gatewayRef).default([]),
  /** Default destination host; subsets belong to it. */
  service: dnsSubdomainSchema.optional(),
  /** Default port of every destination that names none. */
  port: port.optional(),
  /** Container port behind `port` (Gateway API subset Services); `port` when omitted. */
  targetPort: z.union([port, dnsLabel], { error: 'must be a port number or a port name' }).optional(),
  /** Pod labels of `service`; Gateway API subset Services select these plus the subset's. Default { app: <service> }. */
  selector: labels.optional(),
  subsets: z.record(dnsLabel, labels).default({}),
  rules: z.array(ruleSchema).min(1, 'needs at least one rule, e.g. [{ to: [{ subset: v1 }] }]'),
  /** The API to render for; auto: what the cluster serves (render, offline, uses istio). */
  api: z.enum(['auto', 'istio', 'gateway-api'], { error: 'must be auto, istio or gateway-api' }).optional(),
  istioVersion: z.enum(['v1', 'v1beta1', 'v1alpha3'], { error: 'must be v1, v1beta1 or v1alpha3' }).optional(),
});

export type RoutingIntent = z.output<typeof routingSchema>;
export type RoutingRule = z.output<typeof ruleSchema>;
export type RoutingMatch = z.output<typeof matchSchema>;
export type StringMatch = z.output<typeof stringMatchSchema>;
export type Destination = z.output<typeof destinationSchema>;
export type Mirror = NonNullable<RoutingRule['mirror']>;
export type Retries = NonNullable<RoutingRule['retries']>;

let jsonSchema: Record<string, unknown> | undefined;
/** JSON Schema of the `routing` section (what a user writes: defaults optional). */
export function routingJsonSchema(): Record<string, unknown> {
  jsonSchema ??= z.toJSONSchema(routingSchema, { io: 'input' }) as Record<string, unknown>;
  return jsonSchema;
}

