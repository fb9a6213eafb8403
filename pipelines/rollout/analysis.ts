// A step's analysis: when the step starts, each metric gate reads the data plane's counters of
// the new and the stable version (the step's baseline); during the step's pause, synthetic load
// (rollout.load) is sent and every interval the counters are read again and the exact counts
// since the baseline judged (analysis-judge.ts); a limit reached ends the pause at once. After
// the pause every metric gate is checked once more (inconclusive then fails the step), and the
// HTTP and raw PromQL gates run.
import { subsetServiceName } from '../../manifests/gateway-api.js';
import { InterruptedError } from '../errors.js';
import { interruption } from '../interrupt.js';
import type { LoadConfig, MetricGate, MetricsProvider } from '../config/rollout-analysis.js';
import { countsSince, snapshotOf, type Snapshot } from './analysis-counts.js';
import { GateJudge, type NamedGate } from './analysis-judge.js';
import { queryVector } from './analysis-prometheus.js';
import { counterQueries, type VersionTarget } from './analysis-queries.js';
import { GateTally, type Check, type StepVerdict } from './analysis-verdict.js';
import { ms } from '../config/rollout.js';
import type { RolloutContext } from './context.js';
import { versionAddresses, versionDeploymentName } from './effects.js';
import { runGates, type GateResult } from './gates.js';
import { formatLoad, startLoad, type LoadRun } from './load.js';
import { containerPort } from './template.js';

export type { NamedGate } from './analysis-judge.js';

export interface StepToJudge {
  /** The new version. */
  subset: string;
  /** The step's label, e.g. "canary 10% v2". */
  label: string;
  /** The strategy's last step: it pauses only when there are gates to judge it by. */
  last: boolean;
  /** A step that routes by header: half the synthetic load carries it, so both versions get traffic. */
  header?: { name: string; value: string };
  /** The stable version, judged alongside over the same interval. */
  stable?: string;
}

export function metricGates(gates: RolloutContext['rollout']['gates'], subset: string): NamedGate[] {
  const named: NamedGate[] = [];
  if (gates.successRate) named.push({ name: `successRate ${subset}`, kind: 'successRate', config: gates.successRate });
  if (gates.latency) named.push({ name: `latency ${subset}`, kind: 'latency', config: gates.latency });
  return named;
}

/**
 * The provider a gate reads: its own setting, else the implementation serving the route (the
 * GatewayClass's, when the context knows it), else the one of the routing API in use.
 */
export function metricsProvider(ctx: Pick<RolloutContext, 'choice'> & { gatewayClass?: { implementation: string } }, gate: Pick<MetricGate, 'provider'>): MetricsProvider {
  if (gate.provider) return gate.provider;
  const implementation = ctx.gatewayClass?.implementation;
  if (implementation === 'traefik' || implementation === 'istio') return implementation;
  return ctx.choice.api === 'istio' ? 'istio' : 'traefik';
}

export function versionTarget(ctx: RolloutContext, subset: string): VersionTarget {
  return {
    namespace: ctx.namespace,
    subset,
    service: subsetServiceName(ctx.intent, subset),
    port: ctx.intent.port ?? containerPort(ctx.template, ctx.rollout.workload.port),
    workload: versionDeploymentName(ctx, subset),
  };
}

/** The versions a step's checks count: the new one and the stable one. */
export interface StepTargets {
  newer: VersionTarget;
  stable?: VersionTarget;
}

export type Unreadable = { ok: false; kind: 'metrics-unreachable' | 'query-error'; error: string };

/** The counters of a step's versions, read at one instant. Never throws. */
export async function readCounters(provider: MetricsProvider, targets: StepTargets, gate: NamedGate): Promise<{ ok: true; snapshot: Snapshot } | Unreadable> {
  const q = counterQueries(provider, [targets.newer, ...(targets.stable ? [targets.stable] : [])]);
  const timeout = ms(gate.config.timeout);
  const at = Date.now();
  const [requests, buckets] = await Promise.all([queryVector(gate.config.prometheusUrl, q.requests, timeout), queryVector(gate.config.prometheusUrl, q.buckets, timeout)]);
  for (const answer of [requests, buckets]) {
    if (!answer.ok) return { ok: false, kind: answer.kind === 'unreachable' ? 'metrics-unreachable' : 'query-error', error: answer.error };
  }
  return { ok: true, snapshot: snapshotOf(at, q, requests.ok ? requests.samples : [], buckets.ok ? buckets.samples : []) };
}

export type CounterReader = typeof readCounters;

/**
 * One check: the counters now, minus those at the step's baseline, judged. Without a baseline
 * (it could not be read when the step started) this reading becomes the baseline.
 */
export async function checkGate(
  provider: MetricsProvider,
  targets: StepTargets,
  run: { gate: NamedGate; judge: GateJudge; baseline?: Snapshot; step: string },
  read: CounterReader = readCounters,
): Promise<Check> {
  const now = await read(provider, targets, run.gate);
  if (!now.ok) return run.judge.unreadable(now.kind, now.error);
  if (!run.baseline) {
    run.baseline = now.snapshot;
    return run.judge.unreadable('metrics-unreachable', "the counters could not be read when the step started; counting from this check on");
  }
  const counted = (t: VersionTarget) => ({ subset: t.subset, counts: countsSince(run.baseline!, now.snapshot, t.subset) });
  return run.judge.judge({ step: run.step, since: run.baseline.at, at: now.snapshot.at, newer: counted(targets.newer), ...(targets.stable ? { stable: counted(targets.stable) } : {}) });
}

function logCheck(ctx: RolloutContext, check: Check): void {
  ctx.log(`gate ${check.gate}: ${check.outcome}${check.reason ? ` (${check.reason})` : ''}${check.dryRun ? ' [dry run]' : ''} — ${check.detail}`);
}

/** The judges of a rollout's metric gates: their evidence lasts from step to step. */
const judgesOf = new WeakMap<RolloutContext, Map<string, GateJudge>>();

function judgeFor(ctx: RolloutContext, gate: NamedGate, checksPerStep: number): GateJudge {
  const judges = judgesOf.get(ctx) ?? new Map<string, GateJudge>();
  judgesOf.set(ctx, judges);
  const judge = judges.get(gate.name) ?? new GateJudge(gate, checksPerStep);
  judges.set(gate.name, judge);
  return judge;
}

/**
 * Pauses for the step, judging it meanwhile; returns every gate's result (failed ones abort
 * the rollout). `pause` is the rollout's lease- and interrupt-aware pause.
 */
export async function judgeStep(ctx: RolloutContext, step: StepToJudge, pause: (ms: number) => Promise<void>): Promise<(GateResult | StepVerdict)[]> {
  const gates = ctx.rollout.gates;
  const metric = metricGates(gates, step.subset);
  const pauses = !step.last || !!gates.http || !!gates.prometheus || metric.length > 0;
  const pauseMs = pauses ? ms(ctx.rollout.pause) : 0;
  let loads: LoadRun[] = [];
  const stopLoad = async () => {
    const runs = loads;
    loads = [];
    for (const run of runs) {
      try {
        ctx.log(formatLoad(await run.stop()));
      } catch (error) {
        ctx.log(`load: ${(error as Error).message}`);
      }
    }
  };
  const results: StepVerdict[] = [];
  try {
    if (ctx.rollout.load && pauseMs > 0) {
      loads = loadsFor(ctx.rollout.load, step.header).map(startLoad);
      ctx.log(`load: ${ctx.rollout.load.rate} requests/s to ${ctx.rollout.load.url} during "${step.label}"` +
        (step.header ? ` (half with ${step.header.name}: ${step.header.value})` : ''));
    }
    if (metric.length === 0) {
      if (pauses) await pause(pauseMs);
    } else {
      results.push(...(await checkDuringPause(ctx, step, metric, pauseMs, pause)));
    }
  } finally {
    await stopLoad();
  }
  if (results.some((r) => !r.ok)) return results;
  const addresses = gates.http?.path ? await versionAddresses(ctx, step.subset, gates.http.port ?? containerPort(ctx.template, ctx.rollout.workload.port)) : [];
  return [...results, ...(await runGates(gates, addresses))];
}

/** One metric gate during one step: its judge (kept through the rollout) and its checks' tally. */
export interface StepGate {
  gate: NamedGate;
  provider: MetricsProvider;
  judge: GateJudge;
  tally: GateTally;
  step: string;
  baseline?: Snapshot;
}

/** A gate's run through one step; the judge starts the step (its counts from zero). */
export function stepGate(gate: NamedGate, provider: MetricsProvider, judge: GateJudge, step: string): StepGate {
  judge.startStep();
  const c = gate.config;
  const tally = new GateTally(gate.name, { failureLimit: c.failureLimit, consecutiveFailureLimit: c.consecutiveFailureLimit, inconclusiveLimit: c.inconclusiveLimit, dryRun: c.dryRun });
  return { gate, provider, judge, tally, step };
}

/** The checks planned in a pause: the latency test splits its significance over them. */
export function checksIn(pauseMs: number, gate: NamedGate): number {
  return Math.max(1, Math.ceil(pauseMs / ms(gate.config.interval)));
}

/**
 * Reads every gate's counters when the step starts (its baseline), then checks every gate at
 * its interval while pausing, until the pause ends or a gate reaches a limit; then once more at
 * the end. `read` reads the data plane's counters (a stand-in in unit tests).
 */
export async function checkDuringPause(
  ctx: RolloutContext,
  step: StepToJudge,
  metric: NamedGate[],
  pauseMs: number,
  pause: (ms: number) => Promise<void>,
  read: CounterReader = readCounters,
): Promise<StepVerdict[]> {
  const targets: StepTargets = { newer: versionTarget(ctx, step.subset), ...(step.stable ? { stable: versionTarget(ctx, step.stable) } : {}) };
  const runs = metric.map((g) => stepGate(g, metricsProvider(ctx, g.config), judgeFor(ctx, g, checksIn(pauseMs, g)), step.label));
  return judgePause({ subset: step.subset, label: step.label, targets, runs, pauseMs, pause, read, log: (c) => logCheck(ctx, c) });
}

export interface PauseToJudge {
  subset: string;
  label: string;
  targets: StepTargets;
  runs: StepGate[];
  pauseMs: number;
  pause: (ms: number) => Promise<void>;
  read: CounterReader;
  log: (check: Check) => void;
}

/** The loop of checkDuringPause, on gates set up for the step (the benchmark's simulator runs it too). */
export async function judgePause(p: PauseToJudge): Promise<StepVerdict[]> {
  const runs = p.runs.map((r) => ({ run: r, next: ms(r.gate.config.interval), lastAt: -1 }));
  await Promise.all(
    runs.map(async ({ run }) => {
      const start = await p.read(run.provider, p.targets, run.gate);
      if (start.ok) run.baseline = start.snapshot;
    }),
  );
  let elapsed = 0;
  const check = async (due: typeof runs) => {
    const checks = await Promise.all(due.map((r) => checkGate(r.run.provider, p.targets, r.run, p.read)));
    checks.forEach((c, i) => {
      due[i]!.run.tally.record(c);
      due[i]!.lastAt = elapsed;
      p.log(c);
    });
  };
  const verdicts = () => runs.map((r) => r.run.tally.verdict());
  while (elapsed < p.pauseMs) {
    const chunk = Math.min(p.pauseMs, ...runs.map((t) => t.next)) - elapsed;
    await p.pause(chunk);
    if (interruption.aborted) {
      throw new InterruptedError(`rollout of ${p.subset} interrupted while judging "${p.label}"; traffic stays on ${p.label}`, {
        hint: 're-run the same rollout to resume it (the step is judged again), or `shipline rollout abort` to go back',
      });
    }
    elapsed += chunk;
    const due = runs.filter((t) => t.next <= elapsed);
    for (const t of due) t.next += ms(t.run.gate.config.interval);
    await check(due);
    if (runs.some((t) => t.run.tally.exhausted)) return verdicts();
  }
  // The final word on the step: every gate checked at its end (unless it just was).
  await check(runs.filter((t) => t.lastAt !== elapsed));
  return verdicts();
}

/** The load of a step: as configured, or split in two halves, one carrying the step's header. */
export function loadsFor(load: LoadConfig, header: StepToJudge['header']): LoadConfig[] {
  if (!header) return [load];
  const half = (rate: number) => Math.max(1, Math.floor(rate / 2));
  const split = { ...load, rate: half(load.rate), connections: Math.max(1, Math.floor(load.connections / 2)) };
  return [split, { ...split, headers: { ...load.headers, [header.name]: header.value } }];
}
