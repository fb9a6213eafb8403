// The data of a release report: the release record as kept in the cluster, its traffic states
// as a timeline, and each version's traffic over the release from the data plane's metrics.
// `rollout report --json` prints it; the HTML report draws it. Pure.
import type { Release, StoredRelease } from '../rollout/history.js';

export interface TimelinePoint {
  /** Unix seconds when the route took this state. */
  at: number;
  label: string;
  /** Weight per version in percent (0 where the state sends it nothing). */
  weights: Record<string, number>;
}

export interface VersionSeries {
  subset: string;
  /** Requests per second; null where Prometheus has no sample. */
  requestRate: (number | null)[];
  /** Percent of answers that were not 5xx; null without requests. */
  successRate: (number | null)[];
  /** p99 answer time in seconds; null without requests. */
  p99: (number | null)[];
}

export interface MetricsSeries {
  prometheus: string;
  provider: string;
  /** Unix seconds of each sample, shared by every series. */
  times: number[];
  /** Seconds between samples, and the range each rate looks back over. */
  stepSeconds: number;
  window: string;
  versions: VersionSeries[];
}

export interface ReleaseReport {
  apiVersion: string;
  kind: 'ReleaseReport';
  generatedAt: string;
  namespace: string;
  release: Release;
  /** The workload and routing manifests the release applied last (YAML). */
  manifests: string;
  /** The versions of the release: the stable one it started from, then the new one. */
  versions: string[];
  interval: { from: string; to: string };
  timeline: TimelinePoint[];
  /** Why the timeline is empty, when the record holds no step times. */
  timelineNote?: string;
  metrics?: MetricsSeries;
  /** Why there are no metrics (Prometheus unreachable, or no longer holding the range). */
  metricsNote?: string;
  /** Milliseconds per phase: those the release pipeline kept, then the rollout's own. */
  phases: Record<string, number>;
}

export function releaseVersions(release: Release): string[] {
  return [...new Set([release.previous, release.subset].filter((s): s is string => !!s))];
}

export function timelineOf(release: Release, versions: readonly string[]): TimelinePoint[] {
  return (release.steps ?? []).map((step) => ({
    at: Date.parse(step.at) / 1000,
    label: step.label,
    weights: Object.fromEntries(versions.map((v) => [v, step.split.find((s) => s.subset === v)?.weight ?? 0])),
  }));
}

/** From a little before the first step (the traffic before it) to the last update. */
export function reportInterval(release: Release, leadMs = 15_000): { from: string; to: string } {
  const first = release.steps?.[0]?.at ?? release.createdAt;
  const from = Math.min(Date.parse(release.createdAt), Date.parse(first) - leadMs);
  return { from: new Date(from).toISOString(), to: release.updatedAt };
}

export function phasesOf(release: Release): Record<string, number> {
  const kept = release.provenance?.phases ?? {};
  const phases: Record<string, number> = {};
  for (const [name, ms] of Object.entries(kept)) if (name !== 'total') phases[name] = ms;
  phases[`Roll out (${release.strategy})`] ??= Date.parse(release.updatedAt) - Date.parse(release.createdAt);
  return phases;
}

export interface ReportInputs {
  stored: StoredRelease;
  namespace: string;
  now: Date;
  apiVersion: string;
  metrics: MetricsSeries | { note: string };
  /** Phase times of the run that just made the release (they include the rollout's). */
  phases?: Record<string, number>;
}

export function assembleReport(inputs: ReportInputs): ReleaseReport {
  const { release, manifests } = inputs.stored;
  const versions = releaseVersions(release);
  const timeline = timelineOf(release, versions);
  return {
    apiVersion: inputs.apiVersion,
    kind: 'ReleaseReport',
    generatedAt: inputs.now.toISOString(),
    namespace: inputs.namespace,
    release,
    manifests,
    versions,
    interval: reportInterval(release),
    timeline,
    ...(timeline.length === 0 ? { timelineNote: `release r${release.revision} was recorded without step times (by a shipline before release reports)` } : {}),
    ...('note' in inputs.metrics ? { metricsNote: inputs.metrics.note } : { metrics: inputs.metrics }),
    phases: inputs.phases ? Object.fromEntries(Object.entries(inputs.phases).filter(([name]) => name !== 'total')) : phasesOf(release),
  };
}
