// What one check of a metric gate found, and how a step's checks add up to its verdict. Pure.
// Too few requests is inconclusive, never a pass; inconclusive at the end of a step fails the
// step (a silent metrics pipeline never promotes); failureLimit failed checks, or
// consecutiveFailureLimit in a row, or inconclusiveLimit inconclusive ones abort. A dry-run gate
// is judged and shown the same way but never fails its step.
import type { Bucket } from './analysis-counts.js';
import type { GateResult } from './gates.js';

export type Outcome = 'pass' | 'fail' | 'inconclusive';

/** Why a check could not judge. */
export type InconclusiveReason = 'no-data' | 'too-few-requests' | 'no-stable-traffic' | 'metrics-unreachable' | 'query-error';

export interface VersionEvidence {
  subset: string;
  /** Requests answered since the step started (exact: counters minus their values at its start). */
  requests: number;
  /** Of those, answered with 5xx. */
  errors: number;
  /** Percent without 5xx (absent: no requests). */
  successRate?: number;
  /** p99 and mean answer time in seconds, from the histogram (absent: none). */
  p99?: number;
  mean?: number;
  /** The answer-time histogram since the step started, cumulative by upper bound (seconds); +Inf is `requests`. */
  buckets: Bucket[];
}

export interface SequentialTest {
  kind: 'sprt';
  /** Log likelihood ratio "maxDrop worse" against "as good", over the rollout so far. */
  logLikelihoodRatio: number;
  /** Its part from this step. */
  stepLogLikelihoodRatio: number;
  /** ln(1/significance): the evidence that aborts. */
  threshold: number;
}

export interface RankTestEvidence {
  kind: 'mann-whitney';
  /** One-sided p-value of "the new version is slower". */
  pValue: number;
  u: number;
  /** The level this check's p-value is held to (the significance split over the step's checks). */
  alpha: number;
}

export interface CheckEvidence {
  step: string;
  /** The interval counted: from the step's baseline to this check. */
  since: string;
  at: string;
  seconds: number;
  newVersion: VersionEvidence;
  /** The stable version over the same interval, or over earlier steps when it gets no traffic in this one. */
  stable?: VersionEvidence & { from: 'this step' | 'earlier steps' };
  /** Requests of the new version needed before this check can pass (computed or configured). */
  minRequests: number;
  test?: SequentialTest | RankTestEvidence;
  /** The configured tolerance, in words. */
  tolerance: string;
}

export interface Check {
  gate: string;
  outcome: Outcome;
  detail: string;
  reason?: InconclusiveReason;
  /** Requests of the new version since the step started, when the metrics answered. */
  requests?: number;
  /** The gate's measure: success rate in percent, or p99 in seconds. */
  value?: number;
  evidence?: CheckEvidence;
  dryRun?: boolean;
}

/** A metric gate's verdict on a step, with the check that decided it. */
export interface StepVerdict extends GateResult {
  check?: Check;
}

export function formatSeconds(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)}ms` : `${Number(seconds.toFixed(2))}s`;
}

export interface TallyLimits {
  failureLimit: number;
  consecutiveFailureLimit?: number;
  inconclusiveLimit?: number;
  dryRun?: boolean;
}

/** The checks of one gate during one step. */
export class GateTally {
  failures = 0;
  consecutiveFailures = 0;
  inconclusive = 0;
  checks = 0;
  last?: Check;
  /** The check that reached a limit. */
  decisive?: Check;

  readonly limits: TallyLimits;

  constructor(
    readonly gate: string,
    limits: TallyLimits | number,
  ) {
    this.limits = typeof limits === 'number' ? { failureLimit: limits } : limits;
  }

  record(check: Check): void {
    this.checks += 1;
    this.consecutiveFailures = check.outcome === 'fail' ? this.consecutiveFailures + 1 : 0;
    if (check.outcome === 'fail') this.failures += 1;
    if (check.outcome === 'inconclusive') this.inconclusive += 1;
    this.last = check;
    if (!this.decisive && this.limitReached()) this.decisive = check;
  }

  /** Which limit the checks reached, in words (undefined: none). */
  limitReached(): string | undefined {
    const { failureLimit, consecutiveFailureLimit, inconclusiveLimit } = this.limits;
    if (this.failures >= failureLimit) return `failureLimit ${failureLimit}`;
    if (consecutiveFailureLimit !== undefined && this.consecutiveFailures >= consecutiveFailureLimit) return `consecutiveFailureLimit ${consecutiveFailureLimit}`;
    if (inconclusiveLimit !== undefined && this.inconclusive >= inconclusiveLimit) return `inconclusiveLimit ${inconclusiveLimit}`;
    return undefined;
  }

  /** A limit reached on a gate that may abort: the rollout aborts now. */
  get exhausted(): boolean {
    return !this.limits.dryRun && this.limitReached() !== undefined;
  }

  /** The gate's verdict on the step, from its checks. */
  verdict(): StepVerdict {
    const result = this.judged();
    if (!this.limits.dryRun) return result;
    return { ...result, ok: true, detail: `dry run, never aborts: would ${result.ok ? 'pass' : 'fail'} — ${result.detail}` };
  }

  private judged(): StepVerdict {
    const checks = `${this.failures} of ${this.checks} check${this.checks === 1 ? '' : 's'} failed, ${this.inconclusive} inconclusive`;
    const evidence = this.decisive ?? this.last;
    const base = { gate: this.gate, ...(evidence ? { check: evidence } : {}) };
    const limit = this.limitReached();
    if (limit) return { ...base, ok: false, detail: `${this.decisive?.outcome ?? 'fail'}: ${this.decisive?.detail ?? ''} (${checks}; ${limit} reached)` };
    if (!this.last) return { ...base, ok: false, detail: 'never checked' };
    if (this.last.outcome === 'inconclusive') {
      return { ...base, ok: false, detail: `inconclusive (${this.last.reason}): ${this.last.detail} at the end of the step; a step without enough traffic in its metrics does not pass` };
    }
    if (this.last.outcome === 'fail') return { ...base, ok: false, detail: `fail: ${this.last.detail} at the end of the step (${checks})` };
    return { ...base, ok: true, detail: `pass: ${this.last.detail} (${checks})` };
  }
}
