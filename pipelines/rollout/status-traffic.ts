// The traffic each version of a route serves, from the data plane's metrics: request rate,
// success rate (non-5xx) and p99 over a window. For `rollout status`; a Prometheus that does
// not answer leaves the numbers out and says why, it never fails the status.
import { defaultPrometheusUrl, type MetricsProvider } from '../config/rollout-analysis.js';
import { queryPrometheus } from './analysis-prometheus.js';
import { versionQueries } from './analysis-queries.js';
import { metricsProvider, versionTarget } from './analysis.js';
import type { RolloutContext } from './context.js';
import type { RolloutStatus } from './status.js';

export interface VersionTraffic {
  subset: string;
  /** Requests per second over the window. */
  requestRate?: number;
  /** Requests answered in the window. */
  requests?: number;
  /** Percent of the window's answers that were not 5xx (undefined: no requests). */
  successRate?: number;
  /** p99 answer time in seconds (undefined: no requests). */
  p99?: number;
}

export interface TrafficReport {
  provider: MetricsProvider;
  prometheus: string;
  window: string;
  versions: VersionTraffic[];
  /** Why the numbers are missing, when Prometheus did not answer. */
  error?: string;
}

/** The versions worth showing: those the route sends to, then the current release's. */
export function statusSubsets(s: Pick<RolloutStatus, 'weights' | 'current'>, service: string, api: string): string[] {
  const fromRoute = s.weights.map((w) => (api === 'istio' || !w.destination.startsWith(`${service}-`) ? w.destination : w.destination.slice(service.length + 1)));
  return [...new Set([...fromRoute, s.current?.subset, s.current?.previous].filter((x): x is string => !!x))];
}

export async function versionTraffic(ctx: RolloutContext, subsets: readonly string[], windowMs: number, window: string): Promise<TrafficReport> {
  const gate = ctx.rollout.gates.successRate ?? ctx.rollout.gates.latency;
  const provider = metricsProvider(ctx, gate ?? {});
  const prometheus = gate?.prometheusUrl ?? defaultPrometheusUrl;
  const report: TrafficReport = { provider, prometheus, window, versions: [] };
  for (const subset of subsets) {
    const q = versionQueries(provider, versionTarget(ctx, subset), windowMs);
    const answers = await Promise.all([q.rate, q.requests, q.errors, q.p99].map((query) => queryPrometheus(prometheus, query, 5000)));
    const failed = answers.find((a) => !a.ok);
    if (failed && !failed.ok) return { ...report, versions: subsets.map((x) => ({ subset: x })), error: failed.error };
    const [rate, requests, errors, p99] = answers.map((a) => (a.ok ? a.value : undefined));
    const answered = Math.round(requests ?? 0);
    report.versions.push({
      subset,
      requestRate: rate ?? 0,
      requests: answered,
      successRate: answered > 0 ? (100 * (answered - Math.min(answered, Math.round(errors ?? 0)))) / answered : undefined,
      p99: answered > 0 ? p99 : undefined,
    });
  }
  return report;
}
