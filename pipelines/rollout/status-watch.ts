// `rollout status --watch`: the status and each version's traffic, read again every interval
// and drawn in place on a terminal, as plain blocks of lines without one, or as one JSON
// object per line with --json. Ends when its signal aborts (Ctrl-C).
import { formatSeconds, type Check, type VersionEvidence } from './analysis-verdict.js';
import type { RolloutStatus } from './status.js';
import { formatStatus } from './status.js';
import type { TrafficReport } from './status-traffic.js';

export interface WatchedStatus extends RolloutStatus {
  observedAt: string;
  traffic?: TrafficReport;
}

export function formatTraffic(t: TrafficReport): string[] {
  if (t.error) return [`traffic  unknown: ${t.error}`];
  if (t.versions.length === 0) return ['traffic  none: the route sends to no version yet'];
  const rows = t.versions.map((v) => {
    const rate = `${(v.requestRate ?? 0).toFixed(1)} req/s`;
    const ok = v.successRate === undefined ? '-' : `${v.successRate.toFixed(2)}% ok`;
    const p99 = v.p99 === undefined ? '-' : formatSeconds(v.p99);
    return [v.subset, rate, ok, `p99 ${p99}`];
  });
  const widths = rows.reduce((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), [] as number[]);
  const lines = rows.map((r) => `traffic  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`);
  return [...lines, `         (${t.provider} metrics over the last ${t.window}, from ${t.prometheus})`];
}

function versionFigures(v: VersionEvidence): string {
  const rate = v.successRate === undefined ? '-' : `${v.successRate.toFixed(2)}%`;
  return `${v.subset} ${rate} ok of ${v.requests}${v.p99 === undefined ? '' : `, p99 ${formatSeconds(v.p99)}`}`;
}

/** One line per check the release recorded: its step, verdict, both versions' figures and the test. */
export function formatChecks(checks: readonly Check[]): string[] {
  return checks.map((c) => {
    const e = c.evidence;
    if (!e) return `check    ${c.gate}: ${c.outcome}${c.reason ? ` (${c.reason})` : ''} — ${c.detail}`;
    const stable = e.stable ? ` vs ${versionFigures(e.stable)}${e.stable.from === 'earlier steps' ? ' (earlier steps)' : ''}` : '';
    const test = e.test?.kind === 'sprt'
      ? `; likelihood ratio ${Math.exp(e.test.logLikelihoodRatio).toPrecision(3)}, aborts at ${Math.exp(e.test.threshold).toPrecision(3)}`
      : e.test?.kind === 'mann-whitney' ? `; Mann-Whitney p ${e.test.pValue.toPrecision(3)} (α ${e.test.alpha.toPrecision(2)})` : '';
    const verdict = `${c.outcome}${c.reason ? ` (${c.reason})` : ''}${c.dryRun ? ' [dry run]' : ''}`;
    return `check    ${e.step}: ${c.gate} ${verdict} — ${versionFigures(e.newVersion)}${stable} in ${e.seconds.toFixed(1)}s${test}; minRequests ${e.minRequests}; tolerance: ${e.tolerance}`;
  });
}

export function formatWatched(s: WatchedStatus): string {
  return [formatStatus(s), ...formatChecks(s.current?.checks ?? []), ...(s.traffic ? formatTraffic(s.traffic) : [])].join('\n');
}

export interface WatchOutput {
  write(text: string): void;
  /** A terminal: redraw in place. */
  isTTY: boolean;
}

/** Erases the previous block (cursor up its line count, clear to the end) before the next. */
export function redraw(previousLines: number, block: string): string {
  return `${previousLines > 0 ? `\x1b[${previousLines}F\x1b[J` : ''}${block}\n`;
}

export async function watchStatus(
  read: () => Promise<WatchedStatus>,
  out: WatchOutput,
  options: { json: boolean; intervalMs: number; sleep: (ms: number) => Promise<void>; stop: AbortSignal; times?: number },
): Promise<void> {
  let previous = 0;
  for (let n = 0; !options.stop.aborted && (options.times === undefined || n < options.times); n++) {
    if (n > 0) await options.sleep(options.intervalMs);
    if (options.stop.aborted) break;
    const status = await read();
    if (options.json) {
      out.write(`${JSON.stringify(status)}\n`);
    } else if (out.isTTY) {
      const block = `${formatWatched(status)}\n(${status.observedAt}, every ${options.intervalMs / 1000}s; Ctrl-C to stop)`;
      out.write(redraw(previous, block));
      previous = block.split('\n').length;
    } else {
      out.write(`--- ${status.observedAt}\n${formatWatched(status)}\n`);
    }
  }
}
