// One metric gate judged through a rollout: each check gets the exact counts of the new and the
// stable version since its step started, and returns a Check with its evidence. The judge keeps
// what must outlive a step: the error-rate test's evidence (a sequential test over the whole
// rollout) and the stable version's counts of earlier steps (the reference of a step where the
// stable version gets no traffic, e.g. 100 %). Pure: the live gates and the benchmark's
// simulator both judge through it.
import { durationMs } from '../model/duration.js';
import type { LatencyGate, SuccessRateGate } from '../config/rollout-analysis.js';
import { addCounts, type VersionCounts } from './analysis-counts.js';
import {
  abortThreshold, addEvidence, mixtureLogLikelihoodRatio, histogramMean, histogramQuantile, rankTest, requestsToCatchDrop, requestsToCatchSlowdown, smoothedRate, type Tally,
} from './analysis-stats.js';
import { formatSeconds, type Check, type CheckEvidence, type InconclusiveReason, type Outcome, type VersionEvidence } from './analysis-verdict.js';

export type NamedGate = { name: string; kind: 'successRate'; config: SuccessRateGate } | { name: string; kind: 'latency'; config: LatencyGate };

/** Requests a gate with absolute thresholds alone needs, unless configured. */
export const defaultMinRequests = 20;

export interface VersionCount {
  subset: string;
  counts: VersionCounts;
}

/** What a check counted: both versions since the step's baseline. */
export interface Observation {
  step: string;
  /** The baseline's and this check's time (ms since the epoch). */
  since: number;
  at: number;
  newer: VersionCount;
  /** The stable version over the same interval (absent: no stable version to compare with). */
  stable?: VersionCount;
}

const zero: Tally = { requests: 0, errors: 0 };
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const pct = (n: number) => `${n.toFixed(2)}%`;

function evidenceOf(v: VersionCount): VersionEvidence {
  const { requests, errors, buckets } = v.counts;
  // The +Inf bucket is left out: it holds every request, and JSON has no Infinity.
  const ev: VersionEvidence = { subset: v.subset, requests, errors, buckets: buckets.filter((b) => Number.isFinite(b.le)) };
  if (requests > 0) ev.successRate = (100 * (requests - Math.min(errors, requests))) / requests;
  const p99 = histogramQuantile(0.99, buckets);
  const mean = histogramMean(buckets);
  if (p99 !== undefined) ev.p99 = p99;
  if (mean !== undefined) ev.mean = mean;
  return ev;
}

export class GateJudge {
  /** The log likelihood ratio of each alternative of the error-rate test, over the rollout. */
  private llrs: number[] = [];
  private llrAtStepStart = 0;
  private last = { newer: zero, stable: zero };
  private earlierStable?: VersionCounts;
  private stepStable?: VersionCounts;

  /** `checksPerStep`: the checks planned in a step (the latency test's significance is split over them). */
  constructor(
    readonly gate: NamedGate,
    readonly checksPerStep = 1,
  ) {}

  /** A new step: its counts start from zero; the evidence of the steps before is kept. */
  startStep(): void {
    this.llrAtStepStart = this.logLikelihoodRatio;
    this.last = { newer: zero, stable: zero };
    if (this.stepStable && this.stepStable.requests > 0) this.earlierStable = this.earlierStable ? addCounts(this.earlierStable, this.stepStable) : this.stepStable;
    this.stepStable = undefined;
  }

  /** The error-rate test's log likelihood ratio over the rollout so far. */
  get logLikelihoodRatio(): number {
    return mixtureLogLikelihoodRatio(this.llrs);
  }

  /** A check whose counts could not be read. */
  unreadable(reason: Extract<InconclusiveReason, 'metrics-unreachable' | 'query-error'>, error: string): Check {
    return this.result({ outcome: 'inconclusive', reason, detail: error });
  }

  judge(obs: Observation): Check {
    if (obs.stable) this.stepStable = obs.stable.counts;
    return this.gate.kind === 'successRate' ? this.judgeSuccessRate(obs, this.gate.config) : this.judgeLatency(obs, this.gate.config);
  }

  /** The stable version's counts to compare with: this step's, else those of earlier steps. */
  private reference(obs: Observation): (VersionCount & { from: 'this step' | 'earlier steps' }) | undefined {
    if (obs.stable && obs.stable.counts.requests > 0) return { ...obs.stable, from: 'this step' };
    if (obs.stable && this.earlierStable) return { subset: obs.stable.subset, counts: this.earlierStable, from: 'earlier steps' };
    return undefined;
  }

  private updateSequentialTest(obs: Observation, drop: number): void {
    if (!obs.stable) return;
    const now = { newer: obs.newer.counts, stable: obs.stable.counts };
    const delta = (a: Tally, b: Tally): Tally => ({ requests: Math.max(0, a.requests - b.requests), errors: Math.max(0, a.errors - b.errors) });
    const allStable = this.earlierStable ? addCounts(this.earlierStable, now.stable) : now.stable;
    this.llrs = addEvidence(this.llrs, delta(now.newer, this.last.newer), delta(now.stable, this.last.stable), smoothedRate(allStable), drop);
    this.last = { newer: now.newer, stable: now.stable };
  }

  private judgeSuccessRate(obs: Observation, c: SuccessRateGate): Check {
    const n = obs.newer.counts.requests;
    const ref = this.reference(obs);
    if (c.maxDrop !== undefined) this.updateSequentialTest(obs, c.maxDrop / 100);
    const threshold = abortThreshold(c.significance);
    const llr = this.logLikelihoodRatio;
    const ratio = ref ? ref.counts.requests / Math.max(n, 1) : 1;
    const minRequests = c.minRequests ?? (c.maxDrop !== undefined && ref ? requestsToCatchDrop(smoothedRate(ref.counts), c.maxDrop / 100, ratio, c.significance, c.power) : defaultMinRequests);
    const tolerance = [c.maxDrop !== undefined && `at most ${c.maxDrop} points below the stable version (significance ${c.significance}, power ${c.power})`, c.min !== undefined && `at least ${c.min}%`].filter(Boolean).join(' and ');
    const newer = evidenceOf(obs.newer);
    const rate = newer.successRate ?? 0;
    const evidence = this.evidence(obs, ref, minRequests, tolerance, c.maxDrop !== undefined ? { kind: 'sprt', logLikelihoodRatio: llr, stepLogLikelihoodRatio: llr - this.llrAtStepStart, threshold } : undefined);
    const seen = `${obs.newer.subset} ${n > 0 ? pct(rate) : '-'} of ${plural(n, 'request')} without 5xx (${obs.newer.counts.errors} 5xx) in ${evidence.seconds.toFixed(1)}s`;
    const stable = ref ? `; stable ${ref.subset} ${pct(evidenceOf(ref).successRate ?? 0)} of ${ref.counts.requests} (${ref.counts.errors} 5xx)${ref.from === 'earlier steps' ? ' over earlier steps' : ''}` : '';
    const test = c.maxDrop !== undefined ? `; likelihood ratio ${Math.exp(llr).toPrecision(3)}, aborts at ${Math.exp(threshold).toPrecision(3)}` : '';
    const shown = `${seen}${stable}${test}; minRequests ${minRequests}`;
    const judged = (outcome: Outcome, why: string, reason?: InconclusiveReason) => this.result({ outcome, detail: `${shown}: ${why}`, reason, requests: n, value: n > 0 ? rate : undefined, evidence });
    if (n === 0) return judged('inconclusive', `no requests of ${obs.newer.subset} since the step started`, 'no-data');
    if (c.maxDrop !== undefined && llr >= threshold) {
      return judged('fail', `${obs.newer.subset} answers 5xx more often than ${ref?.subset ?? 'the stable version'} by maxDrop ${c.maxDrop} points or more (likelihood ratio ${Math.exp(llr).toPrecision(3)} ≥ 1/significance)`);
    }
    if (c.min !== undefined && n >= (c.minRequests ?? defaultMinRequests) && rate < c.min) return judged('fail', `below the minimum ${c.min}%`);
    if (c.maxDrop !== undefined && !ref) return judged('inconclusive', 'the stable version served no requests to compare with', 'no-stable-traffic');
    if (n < minRequests) return judged('inconclusive', `${plural(n, 'request')} of ${obs.newer.subset}, fewer than minRequests ${minRequests}`, 'too-few-requests');
    return judged('pass', tolerance);
  }

  private judgeLatency(obs: Observation, c: LatencyGate): Check {
    const n = obs.newer.counts.requests;
    const ref = this.reference(obs);
    const ratio = ref ? ref.counts.requests / Math.max(n, 1) : 1;
    const alpha = c.significance / Math.max(1, this.checksPerStep);
    const minRequests = c.minRequests ?? (c.maxIncrease !== undefined && ref ? requestsToCatchSlowdown(c.maxIncrease, ratio, alpha, c.power) : defaultMinRequests);
    const maxSeconds = c.max !== undefined ? (durationMs(c.max) ?? 0) / 1000 : undefined;
    const tolerance = [c.maxIncrease !== undefined && `mean at most ${c.maxIncrease}% above the stable version's, or not significantly slower (Mann-Whitney, α ${alpha.toPrecision(2)} per check)`, c.max !== undefined && `p99 within ${c.max}`].filter(Boolean).join(' and ');
    const newer = evidenceOf(obs.newer);
    const stableEv = ref ? evidenceOf(ref) : undefined;
    const ranks = c.maxIncrease !== undefined && ref ? rankTest(obs.newer.counts.buckets, ref.counts.buckets) : undefined;
    const evidence = this.evidence(obs, ref, minRequests, tolerance, ranks ? { kind: 'mann-whitney', pValue: ranks.pValue, u: ranks.u, alpha } : undefined);
    const time = (s: number | undefined) => (s === undefined ? '-' : formatSeconds(s));
    const seen = `${obs.newer.subset} p99 ${time(newer.p99)}, mean ${time(newer.mean)} over ${plural(n, 'request')} in ${evidence.seconds.toFixed(1)}s`;
    const stable = stableEv ? `; stable ${stableEv.subset} p99 ${time(stableEv.p99)}, mean ${time(stableEv.mean)} over ${stableEv.requests}${ref?.from === 'earlier steps' ? ' over earlier steps' : ''}` : '';
    const test = ranks ? `; Mann-Whitney p ${ranks.pValue.toPrecision(3)}` : '';
    const shown = `${seen}${stable}${test}; minRequests ${minRequests}`;
    const judged = (outcome: Outcome, why: string, reason?: InconclusiveReason) => this.result({ outcome, detail: `${shown}: ${why}`, reason, requests: n, value: newer.p99, evidence });
    if (n === 0) return judged('inconclusive', `no requests of ${obs.newer.subset} since the step started`, 'no-data');
    if (newer.buckets.length === 0) return judged('inconclusive', 'no answer-time histogram', 'no-data');
    const slower = ranks !== undefined && ranks.pValue < alpha && (newer.mean ?? 0) > (stableEv?.mean ?? 0) * (1 + (c.maxIncrease ?? 0) / 100);
    if (slower) return judged('fail', `${obs.newer.subset} is slower than ${ref?.subset} by more than maxIncrease ${c.maxIncrease}%`);
    if (maxSeconds !== undefined && n >= (c.minRequests ?? defaultMinRequests) && (newer.p99 ?? 0) > maxSeconds) return judged('fail', `p99 above the maximum ${c.max}`);
    if (c.maxIncrease !== undefined && !ref) return judged('inconclusive', 'the stable version served no requests to compare with', 'no-stable-traffic');
    if (n < minRequests) return judged('inconclusive', `${plural(n, 'request')} of ${obs.newer.subset}, fewer than minRequests ${minRequests}`, 'too-few-requests');
    return judged('pass', tolerance);
  }

  private evidence(obs: Observation, ref: ReturnType<GateJudge['reference']>, minRequests: number, tolerance: string, test: CheckEvidence['test']): CheckEvidence {
    return {
      step: obs.step,
      since: new Date(obs.since).toISOString(),
      at: new Date(obs.at).toISOString(),
      seconds: Math.max(0, (obs.at - obs.since) / 1000),
      newVersion: evidenceOf(obs.newer),
      ...(ref ? { stable: { ...evidenceOf(ref), from: ref.from } } : {}),
      minRequests,
      ...(test ? { test } : {}),
      tolerance,
    };
  }

  private result(fields: Omit<Check, 'gate' | 'dryRun'>): Check {
    const check: Check = { gate: this.gate.name, ...fields };
    if (check.reason === undefined) delete check.reason;
    if (this.gate.config.dryRun) check.dryRun = true;
    return check;
  }
}
