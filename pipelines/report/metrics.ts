// Each version's request rate, success rate and p99 over a release, from range queries of the
// data plane's metrics (the queries `rollout status --watch` and the gates use).
import { defaultPrometheusUrl, type MetricsProvider } from '../config/rollout-analysis.js';
import { promRange, versionQueries, type VersionTarget } from '../rollout/analysis-queries.js';
import type { MetricsSeries, VersionSeries } from './data.js';
import { queryRange, type RangeGrid } from './prometheus-range.js';

/**
 * About 240 samples over the interval, at least one a second (the stack scrapes every second); each
 * rate looks back three samples and at least 5 s, so a sample sees several scrapes.
 */
export function gridFor(fromMs: number, toMs: number): { grid: RangeGrid; windowMs: number } {
  const start = Math.floor(fromMs / 1000);
  const end = Math.max(start + 1, Math.ceil(toMs / 1000));
  const stepSeconds = Math.max(1, Math.ceil((end - start) / 240));
  return { grid: { start, end, stepSeconds }, windowMs: Math.max(5_000, 3_000 * stepSeconds) };
}

export function gridTimes(grid: RangeGrid): number[] {
  const times: number[] = [];
  for (let t = grid.start; t <= grid.end; t += grid.stepSeconds) times.push(t);
  return times;
}

/** Samples placed on the grid's times; null where there is none or it is not a number. */
export function onGrid(times: readonly number[], points: readonly [number, number][]): (number | null)[] {
  const byTime = new Map(points.map(([t, v]) => [Math.round(t), v]));
  return times.map((t) => {
    const v = byTime.get(t);
    return v === undefined || !Number.isFinite(v) ? null : v;
  });
}

/** Success rate in percent from answered and 5xx counts per sample (no 5xx series: none failed). */
export function successRates(requests: readonly (number | null)[], errors: readonly (number | null)[]): (number | null)[] {
  return requests.map((n, i) => (n === null || n <= 0 ? null : (100 * (n - Math.min(n, errors[i] ?? 0))) / n));
}

export interface MetricsRequest {
  prometheus?: string;
  provider: MetricsProvider;
  targets: VersionTarget[];
  fromMs: number;
  toMs: number;
  timeoutMs?: number;
}

export async function releaseMetrics(request: MetricsRequest): Promise<MetricsSeries | { note: string }> {
  const prometheus = request.prometheus ?? defaultPrometheusUrl;
  const { grid, windowMs } = gridFor(request.fromMs, request.toMs);
  const times = gridTimes(grid);
  const versions: VersionSeries[] = [];
  for (const target of request.targets) {
    const q = versionQueries(request.provider, target, windowMs);
    const answers = await Promise.all([q.rate, q.requests, q.errors, q.p99].map((query) => queryRange(prometheus, query, grid, request.timeoutMs ?? 10_000)));
    const failed = answers.find((a) => !a.ok);
    if (failed && !failed.ok) return { note: `no traffic charts: ${failed.error}` };
    const [rate, requests, errors, p99] = answers.map((a) => onGrid(times, a.ok ? a.points : []));
    const success = successRates(requests!, errors!);
    versions.push({ subset: target.subset, requestRate: rate!, successRate: success, p99: p99!.map((v, i) => (success[i] === null ? null : v)) });
  }
  if (versions.every((v) => v.requestRate.every((x) => x === null))) {
    const span = `${new Date(grid.start * 1000).toISOString()} to ${new Date(grid.end * 1000).toISOString()}`;
    return { note: `Prometheus at ${prometheus} holds no samples of ${request.targets.map((t) => t.subset).join(', ')} from ${span} (past its retention, or never scraped); the steps and checks below are from the release record` };
  }
  return { prometheus, provider: request.provider, times, stepSeconds: grid.stepSeconds, window: promRange(windowMs), versions };
}
