// How one check of a metric gate is judged, and how a step's checks add up to its verdict.
// Pure. Too few requests is inconclusive, never a pass; inconclusive at the end of a step
// fails the step (a silent metrics pipeline never promotes); `failureLimit` failed checks abort.
import { durationMs } from '../../manifests/duration.js';
import type { LatencyGate, SuccessRateGate } from './analysis-config.js';
import type { GateResult } from './gates.js';

export type Outcome = 'pass' | 'fail' | 'inconclusive';

export interface Check {
  gate: string;
  outcome: Outcome;
  detail: string;
  /** Requests of the new version in the window, when Prometheus answered. */
  requests?: number;
  /** The gate's measure: success rate in percent, or p99 in seconds. */
  value?: number;
}

export interface Traffic {
  /** Requests in the window (undefined: no series at all). */
  requests?: number;
  /** 5xx answers in the window. */
  errors?: number;
  /** p99 in seconds (undefined: no data). */
  p99?: number;
}

const round = (n: number) => Math.round(n);

function tooFew(gate: string, requests: number, minRequests: number, window: string): Check {
  return {
    gate,
    outcome: 'inconclusive',
    requests,
    detail: `inconclusive: ${requests} request${requests === 1 ? '' : 's'} in the last ${window}, fewer than minRequests ${minRequests}`,
  };
}

export function judgeSuccessRate(gate: string, config: SuccessRateGate, t: Traffic): Check {
  const requests = round(t.requests ?? 0);
  if (requests < config.minRequests) return tooFew(gate, requests, config.minRequests, config.window);
  const errors = Math.min(requests, round(t.errors ?? 0));
  const rate = (100 * (requests - errors)) / requests;
  const shown = `${rate.toFixed(2)}% of ${requests} requests without 5xx (${errors} 5xx)`;
  return rate >= config.min
    ? { gate, outcome: 'pass', requests, value: rate, detail: `${shown}, at least ${config.min}%` }
    : { gate, outcome: 'fail', requests, value: rate, detail: `${shown}, below the minimum ${config.min}%` };
}

export function formatSeconds(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)}ms` : `${Number(seconds.toFixed(2))}s`;
}

export function judgeLatency(gate: string, config: LatencyGate, t: Traffic): Check {
  const requests = round(t.requests ?? 0);
  if (requests < config.minRequests) return tooFew(gate, requests, config.minRequests, config.window);
  if (t.p99 === undefined) return { gate, outcome: 'inconclusive', requests, detail: `inconclusive: ${requests} requests but no duration histogram in the last ${config.window}` };
  const maxSeconds = (durationMs(config.max) ?? 0) / 1000;
  const shown = `p99 ${formatSeconds(t.p99)} over ${requests} requests`;
  return t.p99 <= maxSeconds
    ? { gate, outcome: 'pass', requests, value: t.p99, detail: `${shown}, within ${config.max}` }
    : { gate, outcome: 'fail', requests, value: t.p99, detail: `${shown}, above the maximum ${config.max}` };
}

/** The checks of one gate during one step. */
export class GateTally {
  failures = 0;
  checks = 0;
  last?: Check;

  constructor(
    readonly gate: string,
    readonly failureLimit: number,
  ) {}

  record(check: Check): void {
    this.checks += 1;
    if (check.outcome === 'fail') this.failures += 1;
    this.last = check;
  }

  /** failureLimit failed checks: the rollout aborts now. */
  get exhausted(): boolean {
    return this.failures >= this.failureLimit;
  }

  /** The gate's verdict on the step, from its checks. */
  verdict(): GateResult {
    const checks = `${this.failures} of ${this.checks} check${this.checks === 1 ? '' : 's'} failed`;
    if (this.exhausted) return { gate: this.gate, ok: false, detail: `${this.last?.detail ?? ''} (${checks}, failureLimit ${this.failureLimit})` };
    if (!this.last) return { gate: this.gate, ok: false, detail: 'never checked' };
    if (this.last.outcome === 'inconclusive') {
      return { gate: this.gate, ok: false, detail: `${this.last.detail} at the end of the step; a step without enough traffic in its metrics does not pass` };
    }
    return { gate: this.gate, ok: true, detail: `${this.last.detail} (${checks})` };
  }
}
