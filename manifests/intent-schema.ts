// The routing intent (`routing` in shipline.yaml) as one zod schema: the TypeScript
// types and the JSON Schema come from it, never written by hand.
import * as z from 'zod';
import { durationPattern } from '../pipelines/model/duration.js';

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
  exact: z.string().meta({ description: 'The whole value, exactly.', examples: ['/healthz'] }).optional(),
  prefix: z.string().meta({ description: 'A literal prefix (no globs, no regex): a path prefix matches whole segments.', examples: ['/service1'] }).optional(),
  regex: z.string().meta({ description: 'An RE2 regular expression that must match the whole value.', examples: ['^/service1/.*'] }).optional(),
});

export const matchSchema = z.strictObject({
  path: stringMatchSchema.meta({ description: 'Match the request path: exactly one of exact, prefix or regex.', examples: [{ prefix: '/service1' }] }).optional(),
  headers: z.record(headerName, stringMatchSchema).meta({ description: 'Match request headers (lowercase names), each with exactly one of exact, prefix or regex.', examples: [{ user: { exact: 'premium-user' } }] }).optional(),
});

export const destinationSchema = z.strictObject({
  service: dnsSubdomainSchema.meta({ description: 'The destination Service (default: routing.service).', examples: ['service1'] }).optional(),
  subset: dnsLabel.meta({ description: 'A subset of routing.subsets (a version of the service).', examples: ['v2'] }).optional(),
  port: port.meta({ description: 'The Service port (default: routing.port).', examples: [80] }).optional(),
  weight: z.number().int('must be a whole number').min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100').meta({ description: 'Share of the requests in percent; the weights of one rule sum to 100.', examples: [80] }).optional(),
});

const retryOn = 'Istio retryOn: comma-separated conditions (5xx, reset, connect-failure, …) or status codes.';

export const ruleSchema = z.strictObject({
  name: dnsLabel.meta({ description: 'The rule name, rendered as the Istio route name / HTTPRoute rule name.', examples: ['premium'] }).optional(),
  match: matchSchema.meta({ description: 'Which requests the rule takes (all when omitted); rules are tried in order, the first match wins.', examples: [{ path: { prefix: '/service1' } }] }).optional(),
  to: z.array(destinationSchema).min(1, 'needs at least one destination, e.g. [{ subset: v1 }]').meta({ description: 'Where the matched requests go: one destination, or several with weights.', examples: [[{ subset: 'v1', weight: 80 }, { subset: 'v2', weight: 20 }]] }),
  mirror: z
    .strictObject({
      service: dnsSubdomainSchema.meta({ description: 'The Service the copies go to (default: routing.service).', examples: ['link'] }).optional(),
      subset: dnsLabel.meta({ description: 'The subset the copies go to.', examples: ['v2'] }).optional(),
      port: port.meta({ description: 'The Service port of the copies (default: routing.port).', examples: [8080] }).optional(),
      percent: percent.meta({ description: 'Share of requests copied; all of them when omitted.', examples: [50] }).optional(),
    })
    .meta({ description: 'Copy requests to another version; its replies are dropped.', examples: [{ subset: 'v2', percent: 50 }] })
    .optional(),
  fault: z
    .strictObject({
      delay: z
        .strictObject({
          percent: percent.meta({ description: 'Share of requests delayed.', examples: [50] }),
          fixed: duration.meta({ description: 'How long each delayed request waits.', examples: ['5s'] }),
        })
        .meta({ description: 'Delay some requests.', examples: [{ percent: 50, fixed: '5s' }] })
        .optional(),
      abort: z
        .strictObject({
          percent: percent.meta({ description: 'Share of requests aborted.', examples: [10] }),
          status: z.number().int('must be a whole number').min(200, 'must be an HTTP status 200-599').max(599, 'must be an HTTP status 200-599').meta({ description: 'The HTTP status aborted requests get.', examples: [500] }),
        })
        .meta({ description: 'Answer some requests with an HTTP error.', examples: [{ percent: 10, status: 500 }] })
        .optional(),
    })
    .meta({ description: 'Fault injection, to test how clients cope (Istio only).', examples: [{ delay: { percent: 50, fixed: '5s' }, abort: { percent: 10, status: 500 } }] })
    .optional(),
  timeout: duration.meta({ description: 'Overall time limit of a request, retries included.', examples: ['2s'] }).optional(),
  retries: z
    .strictObject({
      attempts: z.number().int('must be a whole number').min(0, 'must be 0 or more').meta({ description: 'How many times a failed request is retried.', examples: [3] }),
      perTryTimeout: duration.meta({ description: 'Time limit of each try.', examples: ['1s'] }).optional(),
      on: z.string().meta({ description: retryOn, examples: ['5xx,reset'] }).optional(),
      backoff: duration.meta({ description: 'Wait between retries (Gateway API).', examples: ['100ms'] }).optional(),
    })
    .meta({ description: 'Retry failed requests.', examples: [{ attempts: 3, perTryTimeout: '1s', on: '5xx,reset' }] })
    .optional(),
});

export const routingSchema = z
  .strictObject({
    name: dnsSubdomainSchema.meta({ description: 'The name of the VirtualService / HTTPRoute.', examples: ['link'] }),
    namespace: dnsLabel.default('default').describe('The namespace of the routing objects.'),
    hosts: z.array(host).min(1, 'needs at least one host, e.g. [example.com]').meta({ description: 'Host names the route serves.', examples: [['link.example.com']] }),
    gateways: z.array(gatewayRef).default([]).meta({ description: 'Gateways (name or namespace/name) the route attaches to; none: mesh routing.', examples: [['istio-system/public']] }),
    service: dnsSubdomainSchema.meta({ description: 'The default destination Service; subsets belong to it.', examples: ['link'] }).optional(),
    port: port.meta({ description: 'The default Service port of every destination that names none.', examples: [8080] }).optional(),
    targetPort: z
      .union([port, dnsLabel], { error: 'must be a port number or a port name' })
      .meta({ description: 'The container port behind port (Gateway API subset Services); port when omitted.', examples: [8080, 'http'] })
      .optional(),
    selector: labels.meta({ description: "Pod labels of service; Gateway API subset Services select these plus the subset's. Default { app: <service> }.", examples: [{ app: 'link' }] }).optional(),
    subsets: z.record(dnsLabel, labels).default({}).meta({ description: 'Versions of the service, each by its pod labels (Istio DestinationRule subsets; Gateway API Services).', examples: [{ v1: { version: 'v1' }, v2: { version: 'v2' } }] }),
    rules: z.array(ruleSchema).min(1, 'needs at least one rule, e.g. [{ to: [{ subset: v1 }] }]').meta({ description: 'Ordered routing rules, first match wins; the last catch-all is what rollouts shift.', examples: [[{ to: [{ service: 'link' }] }]] }),
    api: z.enum(['auto', 'istio', 'gateway-api'], { error: 'must be auto, istio or gateway-api' }).describe('The API to render for; auto: what the cluster serves (render, offline, uses istio).').optional(),
    istioVersion: z.enum(['v1', 'v1beta1', 'v1alpha3'], { error: 'must be v1, v1beta1 or v1alpha3' }).describe('The networking.istio.io version (default: the newest the cluster serves; render: v1).').optional(),
    implementation: z
      .enum(['auto', 'external'], { error: 'must be auto or external' })
      .describe('auto: route only through an implementation seen running (istiod, a Programmed Gateway, a GatewayClass with mesh support); external: it runs where shipline cannot see it.')
      .optional(),
  })
  .meta({
    description: 'Routing: the VirtualService / HTTPRoute of the service, rendered for Istio or Gateway API.',
    examples: [{ name: 'link', hosts: ['link.example.com'], service: 'link', port: 8080, rules: [{ to: [{ service: 'link' }] }] }],
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

