// PromQL for one version's traffic, per metrics provider. Pure text builders.
//
// traefik: `traefik_service_requests_total` / `traefik_service_request_duration_seconds`, with the
// service label `<namespace>-<service>-http-<port>@kubernetesgateway` (the version's own Service,
// as the Gateway API route names it). Tested live against the local stack's Traefik.
// istio: `istio_requests_total` / `istio_request_duration_milliseconds` reported by the
// destination's sidecar, by workload (the version's Deployment) and version label. Query text is
// unit-tested only: no Istio data plane runs here.
import type { MetricsProvider } from '../config/rollout-analysis.js';

/** One version of the service, as the metrics name it. */
export interface VersionTarget {
  namespace: string;
  /** The subset (version label), e.g. v2. */
  subset: string;
  /** The per-version Service the Gateway API route sends to, e.g. link-v2. */
  service: string;
  /** The port of that Service the route names. */
  port: number;
  /** The version's Deployment, e.g. link-v2. */
  workload: string;
}

export interface VersionQueries {
  /** Requests answered in the window (a count). */
  requests: string;
  /** Requests answered with 5xx in the window (a count). */
  errors: string;
  /** Requests per second over the window. */
  rate: string;
  /** p99 of the answer time over the window, in seconds. */
  p99: string;
}

/** A label value inside a PromQL double-quoted string. */
function quoted(value: string): string {
  return JSON.stringify(value);
}

/** A PromQL range: whole seconds where they fit, else milliseconds. */
export function promRange(milliseconds: number): string {
  const ms = Math.max(1, Math.round(milliseconds));
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Traefik's name for a Kubernetes Service port behind a Gateway API route. */
export function traefikServiceLabel(t: Pick<VersionTarget, 'namespace' | 'service' | 'port'>): string {
  return `${t.namespace}-${t.service}-http-${t.port}@kubernetesgateway`;
}

function selectors(provider: MetricsProvider, t: VersionTarget): { requests: string; duration: string; errorCode: string; toSeconds: string } {
  if (provider === 'traefik') {
    const sel = `service=${quoted(traefikServiceLabel(t))}`;
    return { requests: `traefik_service_requests_total{${sel}`, duration: `traefik_service_request_duration_seconds_bucket{${sel}`, errorCode: 'code=~"5.."', toSeconds: '' };
  }
  const sel = `reporter="destination",destination_workload_namespace=${quoted(t.namespace)},destination_workload=${quoted(t.workload)},destination_version=${quoted(t.subset)}`;
  return { requests: `istio_requests_total{${sel}`, duration: `istio_request_duration_milliseconds_bucket{${sel}`, errorCode: 'response_code=~"5.."', toSeconds: ' / 1000' };
}

export function versionQueries(provider: MetricsProvider, target: VersionTarget, windowMs: number): VersionQueries {
  const s = selectors(provider, target);
  const range = `[${promRange(windowMs)}]`;
  return {
    requests: `sum(increase(${s.requests}}${range}))`,
    errors: `sum(increase(${s.requests},${s.errorCode}}${range}))`,
    rate: `sum(rate(${s.requests}}${range}))`,
    p99: `histogram_quantile(0.99, sum by (le) (rate(${s.duration}}${range})))${s.toSeconds}`,
  };
}

/**
 * The raw counters of several versions, read at one instant: their requests (by status code)
 * and their answer-time histogram buckets. Raw values, not increase(): a gate subtracts the
 * values it read when its step started, so a series born during the step counts from zero.
 */
export interface CounterQueries {
  requests: string;
  buckets: string;
  /** The subset a series belongs to, from its labels. */
  subsetOf(labels: Record<string, string>): string | undefined;
  /** A 5xx series. */
  isError(labels: Record<string, string>): boolean;
  /** A bucket's upper bound in seconds (Infinity for +Inf). */
  upperBound(labels: Record<string, string>): number;
}

function anyOf(values: readonly string[]): string {
  return quoted(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
}

export function counterQueries(provider: MetricsProvider, targets: readonly VersionTarget[]): CounterQueries {
  const le = (labels: Record<string, string>, scale: number) => (labels.le === '+Inf' ? Infinity : Number(labels.le) / scale);
  if (provider === 'traefik') {
    const bySeries = new Map(targets.map((t) => [traefikServiceLabel(t), t.subset]));
    const sel = `service=~${anyOf([...bySeries.keys()])}`;
    return {
      requests: `traefik_service_requests_total{${sel}}`,
      buckets: `traefik_service_request_duration_seconds_bucket{${sel}}`,
      subsetOf: (labels) => bySeries.get(labels.service ?? ''),
      isError: (labels) => /^5\d\d$/.test(labels.code ?? ''),
      upperBound: (labels) => le(labels, 1),
    };
  }
  const byWorkload = new Map(targets.map((t) => [t.workload, t.subset]));
  const sel = `reporter="destination",destination_workload_namespace=${quoted(targets[0]?.namespace ?? '')},destination_workload=~${anyOf([...byWorkload.keys()])}`;
  return {
    requests: `istio_requests_total{${sel}}`,
    buckets: `istio_request_duration_milliseconds_bucket{${sel}}`,
    subsetOf: (labels) => byWorkload.get(labels.destination_workload ?? ''),
    isError: (labels) => /^5\d\d$/.test(labels.response_code ?? ''),
    upperBound: (labels) => le(labels, 1000),
  };
}
