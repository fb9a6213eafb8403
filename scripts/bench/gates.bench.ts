// Gates: how often the metric gates are wrong. A simulator of the data plane's counters (each
// version's requests, 5xx and answer-time buckets, with known error rates and latency
// distributions) replays rollouts through the same judging code as a live rollout (judgePause,
// GateJudge, GateTally): 1000 good and 1000 bad releases for the error rate, fewer for latency
// (its rank test is costlier). Prints the false-abort rate of good versions, the detection rate
// of a version with twice the stable error rate at its 10 % step within 2,000 of its requests,
// and the requests needed to decide.
import logpmf from '@stdlib/stats-base-dists-binomial-logpmf';
import { latencyGate, successRateGate } from '../../pipelines/config/rollout-analysis.js';
import { snapshotOf } from '../../pipelines/rollout/analysis-counts.js';
import { GateJudge, type NamedGate } from '../../pipelines/rollout/analysis-judge.js';
import type { Sample } from '../../pipelines/rollout/analysis-prometheus.js';
import { counterQueries, traefikServiceLabel, type VersionTarget } from '../../pipelines/rollout/analysis-queries.js';
import { checksIn, judgePause, stepGate, type CounterReader } from '../../pipelines/rollout/analysis.js';
import type { Check } from '../../pipelines/rollout/analysis-verdict.js';
import { seededRandom as random } from '../../pipelines/seeded-random.js';
import { scaled } from './quick.js';

/** Bucket bounds of the simulated histograms (Prometheus client libraries' defaults), seconds. */
const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, Infinity];


interface VersionModel {
  errorRate: number;
  /** Median answer time in seconds (log-normal, σ 0.5); undefined: no histogram simulated. */
  median?: number;
}

class Version {
  ok = 0;
  errors = 0;
  buckets = bounds.map(() => 0);
  constructor(
    readonly target: VersionTarget,
    readonly model: VersionModel,
  ) {}

  serve(requests: number, rnd: () => number): void {
    for (let i = 0; i < requests; i++) {
      if (rnd() < this.model.errorRate) this.errors++;
      else this.ok++;
      if (this.model.median === undefined) continue;
      const normal = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
      const seconds = this.model.median * Math.exp(0.5 * normal);
      for (let b = bounds.findIndex((le) => seconds <= le); b < bounds.length; b++) this.buckets[b]!++;
    }
  }

  samples(): { requests: Sample[]; buckets: Sample[] } {
    const service = traefikServiceLabel(this.target);
    return {
      requests: [{ labels: { service, code: '200' }, value: this.ok }, { labels: { service, code: '500' }, value: this.errors }],
      buckets: this.model.median === undefined ? [] : bounds.map((le, i) => ({ labels: { service, code: '200', le: le === Infinity ? '+Inf' : String(le) }, value: this.buckets[i]! })),
    };
  }
}

const target = (subset: string): VersionTarget => ({ namespace: 'bench', subset, service: `link-${subset}`, port: 8080, workload: `link-${subset}` });

interface Plan {
  steps: number[];
  requestsPerSecond: number;
  pauseMs: number;
}

interface Outcome {
  /** Index of the step that aborted (undefined: promoted). */
  abortedAt?: number;
  /** New-version requests at the deciding check of the abort, or of the first step's first pass. */
  requestsToDecide?: number;
}

async function release(gate: NamedGate, plan: Plan, stable: VersionModel, newer: VersionModel, seed: number): Promise<Outcome> {
  const rnd = random(seed);
  const versions = { stable: new Version(target('v1'), stable), newer: new Version(target('v2'), newer) };
  const queries = counterQueries('traefik', [versions.newer.target, versions.stable.target]);
  let now = 0;
  let weight = 0;
  const read: CounterReader = async () => {
    const a = versions.newer.samples();
    const b = versions.stable.samples();
    return { ok: true, snapshot: snapshotOf(now, queries, [...a.requests, ...b.requests], [...a.buckets, ...b.buckets]) };
  };
  const pause = async (ms: number) => {
    const requests = (plan.requestsPerSecond * ms) / 1000;
    versions.newer.serve(Math.round((requests * weight) / 100), rnd);
    versions.stable.serve(Math.round((requests * (100 - weight)) / 100), rnd);
    now += ms;
  };
  const judge = new GateJudge(gate, checksIn(plan.pauseMs, gate));
  let firstPass: number | undefined;
  for (const [i, w] of plan.steps.entries()) {
    weight = w;
    const label = `canary ${w}% v2`;
    const log = (c: Check) => {
      if (i === 0 && firstPass === undefined && c.outcome === 'pass') firstPass = c.requests;
    };
    const [verdict] = await judgePause({ subset: 'v2', label, targets: { newer: versions.newer.target, stable: versions.stable.target }, runs: [stepGate(gate, 'traefik', judge, label)], pauseMs: plan.pauseMs, pause, read, log });
    if (!verdict!.ok) return { abortedAt: i, requestsToDecide: verdict!.check?.requests };
  }
  return { requestsToDecide: firstPass };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
};
const percent = (n: number, of: number) => `${((100 * n) / of).toFixed(1)}%`;

/** The best any test can do with n requests of the new version and the stable rate known: Neyman-Pearson at n. */
function fixedTestPower(n: number, p0: number, p1: number, alpha: number): { threshold: number; power: number } {
  const tail = (p: number, k: number) => 1 - Array.from({ length: k }, (_, x) => Math.exp(logpmf(x, n, p))).reduce((a, b) => a + b, 0);
  let k = 0;
  while (tail(p0, k) > alpha) k++;
  return { threshold: k, power: tail(p1, k) };
}

async function scenario(name: string, gate: NamedGate, plan: Plan, stable: VersionModel, bad: VersionModel, releases: number, within: number): Promise<void> {
  const started = performance.now();
  const good: Outcome[] = [];
  const worse: Outcome[] = [];
  for (let i = 0; i < releases; i++) {
    good.push(await release(gate, plan, stable, stable, 1 + i));
    worse.push(await release(gate, plan, stable, bad, 1_000_003 + i));
  }
  const falseAborts = good.filter((o) => o.abortedAt !== undefined).length;
  const atFirst = worse.filter((o) => o.abortedAt === 0);
  const inTime = atFirst.filter((o) => (o.requestsToDecide ?? Infinity) <= within).length;
  const caught = worse.filter((o) => o.abortedAt !== undefined).length;
  const print = (line: string) => process.stdout.write(`${line}\n`);
  print(`${name}: ${releases} good + ${releases} bad releases, steps ${plan.steps.join('/')} %, ${plan.requestsPerSecond} requests/s, ${plan.pauseMs / 1000} s a step, checks every ${gate.config.interval} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  print(`  false aborts of good versions:               ${falseAborts} of ${releases} = ${percent(falseAborts, releases)}`);
  print(`  bad versions aborted at the ${plan.steps[0]} % step within ${within} of their requests: ${inTime} of ${releases} = ${percent(inTime, releases)} (at that step at all: ${percent(atFirst.length, releases)}; at any step: ${percent(caught, releases)})`);
  print(`  median new-version requests to decide:       abort of a bad version ${median(atFirst.map((o) => o.requestsToDecide ?? NaN))}, first pass of a good one ${median(good.map((o) => o.requestsToDecide ?? NaN).filter((x) => !Number.isNaN(x)))}`);
}

export default async function gatesBench(): Promise<void> {
  const plan: Plan = { steps: [10, 50, 100], requestsPerSecond: 500, pauseMs: 90_000 };
  const errorGate: NamedGate = { name: 'successRate v2', kind: 'successRate', config: successRateGate.parse({ maxDrop: 1, significance: 0.01, power: 0.95, interval: '5s' }) };
  await scenario('error rate (stable 1 %, bad 2 %; maxDrop 1 point, significance 0.01)', errorGate, plan, { errorRate: 0.01 }, { errorRate: 0.02 }, scaled(1000, 5), 2000);
  const bound = fixedTestPower(2000, 0.01, 0.02, 0.01);
  process.stdout.write(`  for reference, the best fixed test at 2000 requests with the stable rate known exactly (Neyman-Pearson, α 0.01): ≥ ${bound.threshold} 5xx, power ${(100 * bound.power).toFixed(1)}%\n`);
  const latency: NamedGate = { name: 'latency v2', kind: 'latency', config: latencyGate.parse({ maxIncrease: '20%', significance: 0.01, power: 0.95, interval: '10s' }) };
  await scenario('latency (stable median 50 ms, bad 75 ms, σ 0.5; maxIncrease 20%)', latency, { steps: [10, 50, 100], requestsPerSecond: 200, pauseMs: 60_000 }, { errorRate: 0, median: 0.05 }, { errorRate: 0, median: 0.075 }, scaled(100, 2), 2000);
}
