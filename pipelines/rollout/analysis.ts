// A step's analysis: during the step's pause, synthetic load (rollout.load) is sent and the
// metric gates (successRate, latency) are checked every interval against the data plane's
// metrics; failureLimit failed checks end the pause at once. After the pause every metric gate
// is checked once more (inconclusive then fails the step), and the HTTP and raw PromQL gates run.
import { subsetServiceName } from '../../manifests/gateway-api.js';
import { InterruptedError } from '../errors.js';
import { interruption } from '../interrupt.js';
import type { LatencyGate, LoadConfig, MetricGate, MetricsProvider, SuccessRateGate } from './analysis-config.js';
import { queryPrometheus } from './analysis-prometheus.js';
import { versionQueries, type VersionTarget } from './analysis-queries.js';
import { GateTally, judgeLatency, judgeSuccessRate, type Check } from './analysis-verdict.js';
import { ms } from './config.js';
import type { RolloutContext } from './context.js';
import { versionAddresses, versionDeploymentName } from './effects.js';
import { runGates, type GateResult } from './gates.js';
import { formatLoad, startLoad, type LoadRun } from './load.js';
import { containerPort } from './template.js';

export interface StepToJudge {
  /** The new version. */
  subset: string;
  /** The step's label, e.g. "canary 10% v2". */
  label: string;
  /** The strategy's last step: it pauses only when there are gates to judge it by. */
  last: boolean;
  /** A step that routes by header: half the synthetic load carries it, so both versions get traffic. */
  header?: { name: string; value: string };
}

export type NamedGate = { name: string; kind: 'successRate'; config: SuccessRateGate } | { name: string; kind: 'latency'; config: LatencyGate };

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

/** One check of one metric gate: its queries, then the judgement. Never throws. */
export async function checkGate(provider: MetricsProvider, target: VersionTarget, gate: NamedGate): Promise<Check> {
  const c = gate.config;
  const q = versionQueries(provider, target, ms(c.window));
  const timeout = ms(c.timeout);
  const measure = gate.kind === 'successRate' ? q.errors : q.p99;
  const [requests, other] = await Promise.all([queryPrometheus(c.prometheusUrl, q.requests, timeout), queryPrometheus(c.prometheusUrl, measure, timeout)]);
  const failed = [requests, other].find((a) => !a.ok);
  if (failed && !failed.ok) return { gate: gate.name, outcome: 'fail', detail: failed.error };
  const n = requests.ok ? requests.value : undefined;
  const v = other.ok ? other.value : undefined;
  return gate.kind === 'successRate' ? judgeSuccessRate(gate.name, gate.config, { requests: n, errors: v }) : judgeLatency(gate.name, gate.config, { requests: n, p99: v });
}

function logCheck(ctx: RolloutContext, check: Check): void {
  ctx.log(`gate ${check.gate}: ${check.outcome} — ${check.detail}`);
}

/**
 * Pauses for the step, judging it meanwhile; returns every gate's result (failed ones abort
 * the rollout). `pause` is the rollout's lease- and interrupt-aware pause.
 */
export async function judgeStep(ctx: RolloutContext, step: StepToJudge, pause: (ms: number) => Promise<void>): Promise<GateResult[]> {
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
  const results: GateResult[] = [];
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

/**
 * Checks every gate at its interval while pausing, until the pause ends or a gate reaches its
 * failureLimit; then once more at the end. `checkOne` is checkGate, or a stand-in in unit tests.
 */
export async function checkDuringPause(
  ctx: RolloutContext,
  step: StepToJudge,
  metric: NamedGate[],
  pauseMs: number,
  pause: (ms: number) => Promise<void>,
  checkOne: typeof checkGate = checkGate,
): Promise<GateResult[]> {
  const target = versionTarget(ctx, step.subset);
  const tallies = metric.map((g) => ({ gate: g, provider: metricsProvider(ctx, g.config), tally: new GateTally(g.name, g.config.failureLimit), next: ms(g.config.interval), lastAt: -1 }));
  let elapsed = 0;
  const check = async (due: typeof tallies) => {
    const checks = await Promise.all(due.map((t) => checkOne(t.provider, target, t.gate)));
    checks.forEach((c, i) => {
      due[i]!.tally.record(c);
      due[i]!.lastAt = elapsed;
      logCheck(ctx, c);
    });
  };
  while (elapsed < pauseMs) {
    const chunk = Math.min(pauseMs, ...tallies.map((t) => t.next)) - elapsed;
    await pause(chunk);
    if (interruption.aborted) {
      throw new InterruptedError(`rollout of ${step.subset} interrupted while judging "${step.label}"; traffic stays on ${step.label}`, {
        hint: 're-run the same rollout to resume it (the step is judged again), or `shipline rollout abort` to go back',
      });
    }
    elapsed += chunk;
    const due = tallies.filter((t) => t.next <= elapsed);
    for (const t of due) t.next += ms(t.gate.config.interval);
    await check(due);
    if (tallies.some((t) => t.tally.exhausted)) return tallies.map((t) => t.tally.verdict());
  }
  // The final word on the step: every gate checked at its end (unless it just was).
  await check(tallies.filter((t) => t.lastAt !== elapsed));
  return tallies.map((t) => t.tally.verdict());
}

/** The load of a step: as configured, or split in two halves, one carrying the step's header. */
export function loadsFor(load: LoadConfig, header: StepToJudge['header']): LoadConfig[] {
  if (!header) return [load];
  const half = (rate: number) => Math.max(1, Math.floor(rate / 2));
  const split = { ...load, rate: half(load.rate), connections: Math.max(1, Math.floor(load.connections / 2)) };
  return [split, { ...split, headers: { ...load.headers, [header.name]: header.value } }];
}
