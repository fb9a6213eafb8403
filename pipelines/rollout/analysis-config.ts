// The config of the built-in gates read from the data plane's metrics (rollout.gates.successRate,
// rollout.gates.latency) and of the synthetic load (rollout.load). Part of the rollout section.
import * as z from 'zod';
import { durationMs, durationPattern } from '../../manifests/duration.js';

/** The local stack's Prometheus, which scrapes its data plane (Traefik). */
export const defaultPrometheusUrl = 'http://127.0.0.1:9090';

const duration = z.string().regex(durationPattern, 'must be a duration such as 30s, 500ms or 5m');
const positiveDuration = duration.refine((d) => !durationPattern.test(d) || (durationMs(d) ?? 0) > 0, { message: 'must be longer than 0' });

/** Settings every metric gate has: where the metrics come from and how they are judged over time. */
const metricGateFields = {
  minRequests: z.number().int('must be a whole number').min(1, 'must be at least 1').default(20).describe('Fewer requests of the new version than this in the window: inconclusive, never a pass.'),
  window: positiveDuration.default('30s').describe('How far back each check looks (the PromQL range).'),
  interval: positiveDuration.default('5s').describe("How often the gate is checked during a step's pause."),
  failureLimit: z.number().int('must be a whole number').min(1, 'must be at least 1').default(1).describe('This many failed checks in one step abort the rollout.'),
  provider: z
    .enum(['traefik', 'istio'], { message: 'must be traefik or istio' })
    .describe('Whose metrics: traefik (traefik_service_*) or istio (istio_requests_total, …). Default: from the routing implementation.')
    .optional(),
  prometheusUrl: z.string().url().default(defaultPrometheusUrl).describe("The Prometheus that scrapes the data plane (default: the local stack's)."),
  timeout: positiveDuration.default('5s').describe('A Prometheus that gives no answer within this fails the check.'),
};

export const successRateGate = z
  .object({
    min: z.number().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100').meta({ description: "Minimum share of the new version's responses that are not 5xx, in percent.", examples: [99] }),
    ...metricGateFields,
  })
  .strict();

export const latencyGate = z
  .object({
    max: positiveDuration.meta({ description: "Maximum p99 of the new version's responses.", examples: ['500ms'] }),
    ...metricGateFields,
  })
  .strict();

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
