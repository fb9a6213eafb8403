// The config of the built-in gates read from the data plane's metrics (rollout.gates.successRate,
// rollout.gates.latency) and of the synthetic load (rollout.load). Part of the rollout section.
import * as z from 'zod';
import { durationMs, durationPattern } from '../model/duration.js';

/** The local stack's Prometheus, which scrapes its data plane (Traefik). */
export const defaultPrometheusUrl = 'http://127.0.0.1:9090';

const duration = z.string().regex(durationPattern, 'must be a duration such as 30s, 500ms or 5m');
const positiveDuration = duration.refine((d) => !durationPattern.test(d) || (durationMs(d) ?? 0) > 0, { message: 'must be longer than 0' });

const probability = (what: string) => z.number().gt(0, `must be between 0 and 1 (${what})`).lt(1, `must be between 0 and 1 (${what})`);

/** Settings every metric gate has: where the metrics come from and how they are judged over time. */
const metricGateFields = {
  minRequests: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .meta({
      description: 'Fewer requests of the new version than this since the step started: inconclusive, never a pass. Default: computed from maxDrop / maxIncrease, significance and power (shown in each check); 20 for absolute thresholds alone.',
      examples: [400],
    })
    .optional(),
  significance: probability('e.g. 0.01')
    .default(0.01)
    .describe('Against the stable version: the chance that a new version as good as the stable one is aborted by this gate, over the whole rollout.'),
  power: probability('e.g. 0.95').default(0.95).describe('Against the stable version: the chance that a regression of maxDrop / maxIncrease is caught once minRequests is reached (sets the computed minRequests).'),
  window: positiveDuration.meta({ description: 'No longer used by the gates: each check counts every request since its step started.', examples: ['30s'] }).optional(),
  interval: positiveDuration.default('5s').describe("How often the gate is checked during a step's pause."),
  failureLimit: z.number().int('must be a whole number').min(1, 'must be at least 1').default(1).describe('This many failed checks in one step abort the rollout.'),
  consecutiveFailureLimit: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .meta({ description: 'This many failed checks in a row in one step abort the rollout (default: off).', examples: [2] })
    .optional(),
  inconclusiveLimit: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .meta({ description: 'This many inconclusive checks in one step abort the rollout (default: off; a step still inconclusive at its end fails anyway).', examples: [5] })
    .optional(),
  dryRun: z.boolean().default(false).describe('Judge and show every check, in the log and the release record, but never abort because of it.'),
  provider: z
    .enum(['traefik', 'istio'], { message: 'must be traefik or istio' })
    .describe('Whose metrics: traefik (traefik_service_*) or istio (istio_requests_total, …). Default: from the routing implementation.')
    .optional(),
  prometheusUrl: z.string().url().default(defaultPrometheusUrl).describe("The Prometheus that scrapes the data plane (default: the local stack's)."),
  timeout: positiveDuration.default('5s').describe('A Prometheus that gives no answer within this makes the check inconclusive (metrics unreachable).'),
};

const percent = z.number().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100');

export const successRateGate = z
  .object({
    min: percent.meta({ description: "Absolute: minimum share of the new version's responses that are not 5xx, in percent.", examples: [99] }).optional(),
    maxDrop: percent
      .gt(0, 'must be more than 0 percentage points')
      .meta({ description: "Against the stable version over the same interval: the drop of the success rate, in percentage points, that must be caught (a sequential likelihood-ratio test of the two versions' 5xx counts).", examples: [1] })
      .optional(),
    ...metricGateFields,
  })
  .strict()
  .refine((g) => g.min !== undefined || g.maxDrop !== undefined, { message: 'needs min (absolute, in percent) or maxDrop (percentage points against the stable version), or both' });

const increase = z
  .union([z.number(), z.string().regex(/^\d+(\.\d+)?%$/, 'must be a percentage such as 20%')])
  .transform((v) => (typeof v === 'number' ? v : Number(v.slice(0, -1))))
  .pipe(z.number().gt(0, 'must be more than 0%'));

export const latencyGate = z
  .object({
    max: positiveDuration.meta({ description: "Absolute: maximum p99 of the new version's responses.", examples: ['500ms'] }).optional(),
    maxIncrease: increase
      .meta({ description: "Against the stable version over the same interval: the increase of the mean answer time to catch, e.g. 20% (a Mann-Whitney rank test on the two versions' histogram buckets, and the mean above the stable one's by more than this).", examples: ['20%'] })
      .optional(),
    ...metricGateFields,
  })
  .strict()
  .refine((g) => g.max !== undefined || g.maxIncrease !== undefined, { message: 'needs max (absolute p99) or maxIncrease (against the stable version), or both' });

export type SuccessRateGate = z.output<typeof successRateGate>;
export type LatencyGate = z.output<typeof latencyGate>;
export type MetricGate = SuccessRateGate | LatencyGate;
export type MetricsProvider = NonNullable<MetricGate['provider']>;

export const loadSection = z
  .object({
    url: z.string().url().meta({ description: 'Where to send requests: a URL through the gateway.', examples: ['http://127.0.0.1:18000/cgi-bin/version'] }),
    rate: z.number().int('must be a whole number').min(1, 'must be at least 1').default(50).describe('Requests per second, all connections together.'),
    connections: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(4).describe('Concurrent connections.'),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a header name'), z.string())
      .default({})
      .meta({ description: "Request headers, e.g. host to match the route's hosts.", examples: [{ host: 'link.example.com' }] }),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']).default('GET').describe('The HTTP method.'),
    duration: positiveDuration.meta({ description: 'How long to send per step; default: the whole pause of the step.', examples: ['20s'] }).optional(),
    timeout: positiveDuration.default('10s').describe('A request without an answer within this counts as a timeout.'),
  })
  .strict();

export type LoadConfig = z.output<typeof loadSection>;
