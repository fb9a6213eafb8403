// Exact per-version counts since a step started: the raw counters read when the step started
// (the baseline) subtracted from the counters read now, series by series. A series that did not
// exist at the baseline counts from zero (its whole value); a counter that went down was reset
// (the data plane restarted) and counts from zero again. Pure.
import type { Sample } from './analysis-prometheus.js';
import type { CounterQueries } from './analysis-queries.js';

interface SeriesValue {
  subset: string;
  /** A request counter (by status code), or a histogram bucket with its upper bound in seconds. */
  kind: { requests: true; error: boolean } | { requests: false; le: number };
  value: number;
}

/** The data plane's counters of the versions judged, read at one instant. */
export interface Snapshot {
  /** When it was read (ms since the epoch). */
  at: number;
  series: Map<string, SeriesValue>;
}

export interface Bucket {
  /** Upper bound in seconds (Infinity: +Inf). */
  le: number;
  /** Requests answered within it (cumulative, as Prometheus buckets are). */
  count: number;
}

export interface VersionCounts {
  requests: number;
  /** Answers with 5xx. */
  errors: number;
  /** The answer-time histogram, by ascending upper bound (empty: none reported). */
  buckets: Bucket[];
}

function seriesKey(name: string, labels: Record<string, string>): string {
  return `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))}`;
}

export function snapshotOf(at: number, queries: CounterQueries, requests: readonly Sample[], buckets: readonly Sample[]): Snapshot {
  const series = new Map<string, SeriesValue>();
  for (const s of requests) {
    const subset = queries.subsetOf(s.labels);
    if (subset) series.set(seriesKey('requests', s.labels), { subset, kind: { requests: true, error: queries.isError(s.labels) }, value: s.value });
  }
  for (const s of buckets) {
    const subset = queries.subsetOf(s.labels);
    const le = queries.upperBound(s.labels);
    if (subset && !Number.isNaN(le)) series.set(seriesKey('bucket', s.labels), { subset, kind: { requests: false, le }, value: s.value });
  }
  return { at, series };
}

/** What a version's counters counted between two snapshots. */
export function countsSince(start: Snapshot, now: Snapshot, subset: string): VersionCounts {
  const counts: VersionCounts = { requests: 0, errors: 0, buckets: [] };
  const byBound = new Map<number, number>();
  for (const [key, s] of now.series) {
    if (s.subset !== subset) continue;
    const before = start.series.get(key)?.value ?? 0;
    const delta = Math.round(s.value < before ? s.value : s.value - before);
    if (s.kind.requests) {
      counts.requests += delta;
      if (s.kind.error) counts.errors += delta;
    } else {
      byBound.set(s.kind.le, (byBound.get(s.kind.le) ?? 0) + delta);
    }
  }
  counts.buckets = [...byBound].sort(([a], [b]) => a - b).map(([le, count]) => ({ le, count }));
  return counts;
}

/** Two counts added up (the stable version's over several steps). */
export function addCounts(a: VersionCounts, b: VersionCounts): VersionCounts {
  const byBound = new Map<number, number>();
  for (const x of [...a.buckets, ...b.buckets]) byBound.set(x.le, (byBound.get(x.le) ?? 0) + x.count);
  return { requests: a.requests + b.requests, errors: a.errors + b.errors, buckets: [...byBound].sort(([x], [y]) => x - y).map(([le, count]) => ({ le, count })) };
}
