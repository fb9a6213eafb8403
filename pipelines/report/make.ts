// A release report from the cluster alone: the release record kept there, and the data plane's
// metrics over its interval while Prometheus still holds them.
import { PreconditionError } from '../errors.js';
import { metricsProvider, versionTarget } from '../rollout/analysis.js';
import type { RolloutContext } from '../rollout/context.js';
import { listReleases } from '../rollout/history.js';
import { assembleReport, releaseVersions, reportInterval, type ReleaseReport } from './data.js';
import { releaseMetrics } from './metrics.js';

export interface ReportRequest {
  /** The release's revision; default: the newest. */
  revision?: number;
  apiVersion: string;
  /** Phase times of the run that just made the release. */
  phases?: Record<string, number>;
  now?: () => Date;
}

export async function makeReport(ctx: RolloutContext, request: ReportRequest): Promise<ReleaseReport> {
  const history = await listReleases(ctx.client, ctx.route, ctx.namespace);
  const stored = request.revision === undefined ? history.at(-1) : history.find((s) => s.release.revision === request.revision);
  if (!stored) {
    const known = history.map((s) => `r${s.release.revision}`).join(', ');
    throw new PreconditionError(
      request.revision === undefined ? `route ${ctx.route} has no release recorded in ${ctx.namespace}` : `route ${ctx.route} has no release r${request.revision}`,
      { hint: known ? `releases recorded: ${known}` : 'make one with `shipline release` or `shipline rollout canary`' },
    );
  }
  const { release } = stored;
  const gate = ctx.rollout.gates.successRate ?? ctx.rollout.gates.latency;
  const interval = reportInterval(release);
  const metrics = await releaseMetrics({
    prometheus: gate?.prometheusUrl,
    provider: metricsProvider(ctx, gate ?? {}),
    targets: releaseVersions(release).map((subset) => versionTarget(ctx, subset)),
    fromMs: Date.parse(interval.from),
    toMs: Date.parse(interval.to),
  });
  return assembleReport({
    stored,
    namespace: ctx.namespace,
    now: (request.now ?? (() => new Date()))(),
    apiVersion: request.apiVersion,
    metrics,
    phases: request.phases,
  });
}
