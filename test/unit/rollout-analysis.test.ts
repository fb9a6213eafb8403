// The metric gates: PromQL per provider, exact counts since a step's baseline, how a check is
// judged against the stable version and by absolute thresholds (too few requests is
// inconclusive, never a pass), the limits and dry run of a step verdict, the config, and a
// Prometheus that does not answer making a check inconclusive rather than failing the process.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { latencyGate, successRateGate } from '../../pipelines/config/rollout-analysis.js';
import { queryPrometheus, type Sample } from '../../pipelines/rollout/analysis-prometheus.js';
import { addCounts, countsSince, snapshotOf, type Snapshot } from '../../pipelines/rollout/analysis-counts.js';
import { GateJudge, type Observation } from '../../pipelines/rollout/analysis-judge.js';
import { counterQueries, promRange, traefikServiceLabel, versionQueries, type VersionTarget } from '../../pipelines/rollout/analysis-queries.js';
import { GateTally, type Check } from '../../pipelines/rollout/analysis-verdict.js';
import { checkDuringPause, checkGate, metricsProvider, type CounterReader, type NamedGate } from '../../pipelines/rollout/analysis.js';
import type { RolloutContext } from '../../pipelines/rollout/context.js';
import { generatedTemplate } from '../../pipelines/rollout/template.js';
import { rolloutConfig, rolloutSection } from '../../pipelines/config/rollout.js';

const target: VersionTarget = { namespace: 'shop', subset: 'v2', service: 'link-v2', port: 8080, workload: 'link-v2' };

describe('PromQL per provider', () => {
  it('traefik: the version Service as Traefik names it, counts by increase, p99 from its seconds histogram', () => {
    expect(traefikServiceLabel(target)).toBe('shop-link-v2-http-8080@kubernetesgateway');
    const q = versionQueries('traefik', target, 30_000);
    const sel = 'service="shop-link-v2-http-8080@kubernetesgateway"';
    expect(q).toEqual({
      requests: `sum(increase(traefik_service_requests_total{${sel}}[30s]))`,
      errors: `sum(increase(traefik_service_requests_total{${sel},code=~"5.."}[30s]))`,
      rate: `sum(rate(traefik_service_requests_total{${sel}}[30s]))`,
      p99: `histogram_quantile(0.99, sum by (le) (rate(traefik_service_request_duration_seconds_bucket{${sel}}[30s])))`,
    });
  });

  it('istio: destination-reported requests of the version workload, p99 from milliseconds converted to seconds', () => {
    const q = versionQueries('istio', target, 1500);
    const sel = 'reporter="destination",destination_workload_namespace="shop",destination_workload="link-v2",destination_version="v2"';
    expect(q).toEqual({
      requests: `sum(increase(istio_requests_total{${sel}}[1500ms]))`,
      errors: `sum(increase(istio_requests_total{${sel},response_code=~"5.."}[1500ms]))`,
      rate: `sum(rate(istio_requests_total{${sel}}[1500ms]))`,
      p99: `histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{${sel}}[1500ms]))) / 1000`,
    });
  });

  it('writes ranges as whole seconds where they fit and quotes label values', () => {
    expect([promRange(60_000), promRange(250), promRange(0)]).toEqual(['60s', '250ms', '1ms']);
    expect(versionQueries('istio', { ...target, subset: 'v"2' }, 1000).requests).toContain('destination_version="v\\"2"');
  });

  it('defaults the provider from the routing API unless the gate names one', () => {
    expect(metricsProvider({ choice: { api: 'gateway-api' } as never }, {})).toBe('traefik');
    expect(metricsProvider({ choice: { api: 'istio' } as never }, {})).toBe('istio');
    expect(metricsProvider({ choice: { api: 'istio' } as never }, { provider: 'traefik' })).toBe('traefik');
    // Istio serving Gateway API routes: its own metrics.
    expect(metricsProvider({ choice: { api: 'gateway-api' } as never, gatewayClass: { implementation: 'istio' } }, {})).toBe('istio');
    expect(metricsProvider({ choice: { api: 'gateway-api' } as never, gatewayClass: { implementation: 'traefik' } }, {})).toBe('traefik');
  });
});

const stableTarget: VersionTarget = { ...target, subset: 'v1', service: 'link-v1', workload: 'link-v1' };
const traefik = counterQueries('traefik', [target, stableTarget]);

/** Traefik's counters as Prometheus returns them: requests by code, buckets by le. */
function samples(versions: Record<string, { ok?: number; errors?: number; buckets?: Record<string, number> }>): { requests: Sample[]; buckets: Sample[] } {
  const requests: Sample[] = [];
  const buckets: Sample[] = [];
  for (const [subset, v] of Object.entries(versions)) {
    const service = traefikServiceLabel({ namespace: 'shop', service: `link-${subset}`, port: 8080 });
    if (v.ok !== undefined) requests.push({ labels: { service, code: '200', method: 'GET' }, value: v.ok });
    if (v.errors !== undefined) requests.push({ labels: { service, code: '500', method: 'GET' }, value: v.errors });
    for (const [le, value] of Object.entries(v.buckets ?? {})) buckets.push({ labels: { service, code: '200', le }, value });
  }
  return { requests, buckets };
}

function snapshot(at: number, versions: Parameters<typeof samples>[0]): Snapshot {
  const s = samples(versions);
  return snapshotOf(at, traefik, s.requests, s.buckets);
}

describe('PromQL of the raw counters', () => {
  it('reads both versions at one instant, by a regex of their series, without increase()', () => {
    expect(traefik.requests).toBe('traefik_service_requests_total{service=~"shop-link-v2-http-8080@kubernetesgateway|shop-link-v1-http-8080@kubernetesgateway"}');
    expect(traefik.buckets).toContain('traefik_service_request_duration_seconds_bucket{service=~');
    const istio = counterQueries('istio', [target, stableTarget]);
    expect(istio.requests).toBe('istio_requests_total{reporter="destination",destination_workload_namespace="shop",destination_workload=~"link-v2|link-v1"}');
    expect(istio.upperBound({ le: '250' })).toBe(0.25);
    expect(istio.isError({ response_code: '503' })).toBe(true);
    expect(counterQueries('traefik', [{ ...target, service: 'a.b' }]).requests).toContain('a\\\\.b');
  });
});

describe('exact counts since the step started', () => {
  it('subtracts the baseline series by series; a series born during the step counts from zero', () => {
    const start = snapshot(0, { v2: { ok: 100 }, v1: { ok: 1000, errors: 10 } });
    // The 500 series of v2 appears during the step with its first sample at 7: all 7 count.
    const now = snapshot(10_000, { v2: { ok: 130, errors: 7 }, v1: { ok: 1270, errors: 13 } });
    expect(countsSince(start, now, 'v2')).toEqual({ requests: 37, errors: 7, buckets: [] });
    expect(countsSince(start, now, 'v1')).toEqual({ requests: 273, errors: 3, buckets: [] });
  });

  it('a counter that went down was reset and counts from zero; buckets add up by bound', () => {
    const start = snapshot(0, { v2: { ok: 500, buckets: { '0.1': 400, '0.3': 480, '+Inf': 500 } } });
    const now = snapshot(1, { v2: { ok: 20, buckets: { '0.1': 430, '0.3': 520, '+Inf': 540 } } });
    expect(countsSince(start, now, 'v2')).toEqual({ requests: 20, errors: 0, buckets: [{ le: 0.1, count: 30 }, { le: 0.3, count: 40 }, { le: Infinity, count: 40 }] });
    expect(addCounts({ requests: 1, errors: 1, buckets: [{ le: 1, count: 1 }] }, { requests: 2, errors: 0, buckets: [{ le: 1, count: 2 }] })).toEqual({ requests: 3, errors: 1, buckets: [{ le: 1, count: 3 }] });
  });
});

const obs = (newer: [number, number], stable: [number, number] | undefined, step = 'canary 10% v2'): Observation => ({
  step,
  since: 0,
  at: 10_000,
  newer: { subset: 'v2', counts: { requests: newer[0], errors: newer[1], buckets: [] } },
  ...(stable ? { stable: { subset: 'v1', counts: { requests: stable[0], errors: stable[1], buckets: [] } } } : {}),
});
const rateGate = (fields: Record<string, unknown>): NamedGate => ({ name: 'successRate v2', kind: 'successRate', config: successRateGate.parse(fields) });

describe('the success rate against the stable version', () => {
  it('computes minRequests from maxDrop, significance, power and the stable rate, and shows it', () => {
    const judge = new GateJudge(rateGate({ maxDrop: 1 }));
    const check = judge.judge(obs([100, 1], [900, 9]));
    expect(check).toMatchObject({ outcome: 'inconclusive', reason: 'too-few-requests', requests: 100 });
    // 2.33 + 1.64 standard deviations between 1 % and 2 % at a 1:9 split: about 3,300 requests.
    expect(check.evidence!.minRequests).toBeGreaterThan(3000);
    expect(check.evidence!.minRequests).toBeLessThan(3600);
    expect(check.detail).toContain('fewer than minRequests');
    expect(check.evidence).toMatchObject({ newVersion: { subset: 'v2', requests: 100, errors: 1, successRate: 99 }, stable: { subset: 'v1', requests: 900, from: 'this step' }, test: { kind: 'sprt' } });
  });

  it('a version as good as the stable one passes once it has minRequests', () => {
    const judge = new GateJudge(rateGate({ maxDrop: 5 }));
    const check = judge.judge(obs([1000, 10], [1000, 10]));
    expect(check.evidence!.minRequests).toBeLessThan(1000);
    expect(check).toMatchObject({ outcome: 'pass' });
    expect(check.evidence!.test).toMatchObject({ kind: 'sprt', threshold: Math.log(100) });
  });

  it('a version failing far more often than the stable one fails as soon as the evidence reaches 1/significance, before minRequests', () => {
    const judge = new GateJudge(rateGate({ maxDrop: 1 }));
    const first = judge.judge(obs([40, 12], [40, 0]));
    expect(first.outcome).toBe('fail');
    expect(first.detail).toMatch(/v2 answers 5xx more often than v1 by maxDrop 1 points or more \(likelihood ratio .* ≥ 1\/significance\)/);
    expect(first.evidence!.minRequests).toBeGreaterThan(40);
  });

  it('a shared outage (both versions failing alike) is not a failure of the new version; the absolute minimum says it is', () => {
    const judge = new GateJudge(rateGate({ maxDrop: 5, significance: 0.05, power: 0.8 }));
    let check!: Check;
    for (let i = 1; i <= 10; i++) check = judge.judge(obs([100 * i, 20 * i], [100 * i, 20 * i]));
    expect(check.outcome).toBe('pass');
    expect(judge.logLikelihoodRatio).toBeLessThan(0);
    expect(new GateJudge(rateGate({ min: 99 })).judge(obs([1000, 200], [1000, 200]))).toMatchObject({ outcome: 'fail', value: 80 });
  });

  it('typed inconclusive reasons: no data, no stable traffic, unreachable metrics', () => {
    expect(new GateJudge(rateGate({ maxDrop: 1 })).judge(obs([0, 0], [500, 0]))).toMatchObject({ outcome: 'inconclusive', reason: 'no-data' });
    expect(new GateJudge(rateGate({ maxDrop: 1, minRequests: 10 })).judge(obs([500, 0], undefined))).toMatchObject({ outcome: 'inconclusive', reason: 'no-stable-traffic' });
    expect(new GateJudge(rateGate({ min: 99 })).unreadable('metrics-unreachable', 'Prometheus at x did not answer')).toEqual({
      gate: 'successRate v2', outcome: 'inconclusive', reason: 'metrics-unreachable', detail: 'Prometheus at x did not answer',
    });
  });

  it('a step where the stable version gets no traffic is compared with its counts of earlier steps; the evidence adds up over the rollout', () => {
    const judge = new GateJudge(rateGate({ maxDrop: 5, minRequests: 100 }));
    judge.startStep();
    judge.judge(obs([500, 5], [500, 6], 'canary 50% v2'));
    const llr = judge.logLikelihoodRatio;
    judge.startStep();
    const last = judge.judge(obs([800, 8], [0, 0], 'canary 100% v2'));
    expect(last).toMatchObject({ outcome: 'pass', evidence: { stable: { from: 'earlier steps', requests: 500, errors: 6 } } });
    expect(judge.logLikelihoodRatio).toBe(llr);
  });

  it('absolute: fewer requests than minRequests is inconclusive; below min fails; the evidence shows both versions', () => {
    const judge = new GateJudge(rateGate({ min: 99, minRequests: 50 }));
    expect(judge.judge(obs([49, 0], [49, 0]))).toMatchObject({ outcome: 'inconclusive', reason: 'too-few-requests' });
    expect(judge.judge(obs([100, 1], [100, 0]))).toMatchObject({ outcome: 'pass', value: 99 });
    expect(judge.judge(obs([200, 40], [200, 0]))).toMatchObject({ outcome: 'fail', value: 80, detail: expect.stringMatching(/^v2 80\.00% of 200 requests without 5xx \(40 5xx\) in 10\.0s; stable v1 100\.00% of 200 \(0 5xx\); minRequests 50: below the minimum 99%$/) });
  });
});

describe('latency', () => {
  const gate = (fields: Record<string, unknown>): NamedGate => ({ name: 'latency v2', kind: 'latency', config: latencyGate.parse(fields) });
  const withBuckets = (newer: number[], stable: number[]): Observation => {
    const cumulative = (counts: number[]) => counts.map((_, i) => ({ le: [0.1, 0.3, 1.2, Infinity][i]!, count: counts.slice(0, i + 1).reduce((a, b) => a + b, 0) }));
    const total = (c: number[]) => c.reduce((a, b) => a + b, 0);
    return { step: 's', since: 0, at: 1000, newer: { subset: 'v2', counts: { requests: total(newer), errors: 0, buckets: cumulative(newer) } }, stable: { subset: 'v1', counts: { requests: total(stable), errors: 0, buckets: cumulative(stable) } } };
  };

  it('maxIncrease: a rank test on the buckets; slower by far fails, alike passes', () => {
    const slow = new GateJudge(gate({ maxIncrease: '20%' })).judge(withBuckets([100, 300, 100, 0], [400, 90, 10, 0]));
    expect(slow).toMatchObject({ outcome: 'fail', evidence: { test: { kind: 'mann-whitney' } } });
    expect((slow.evidence!.test as { pValue: number }).pValue).toBeLessThan(1e-6);
    expect(new GateJudge(gate({ maxIncrease: '20%' })).judge(withBuckets([400, 90, 10, 0], [400, 90, 10, 0]))).toMatchObject({ outcome: 'pass' });
    expect(latencyGate.parse({ maxIncrease: '20%' }).maxIncrease).toBe(20);
  });

  it('absolute max: p99 from the buckets; no histogram is inconclusive', () => {
    expect(new GateJudge(gate({ max: '300ms', minRequests: 50 })).judge(withBuckets([50, 40, 10, 0], [100, 0, 0, 0]))).toMatchObject({ outcome: 'fail', detail: expect.stringContaining('p99 above the maximum 300ms') });
    expect(new GateJudge(gate({ max: '2s', minRequests: 50 })).judge(withBuckets([50, 40, 10, 0], [100, 0, 0, 0]))).toMatchObject({ outcome: 'pass' });
    expect(new GateJudge(gate({ max: '2s' })).judge(obs([100, 0], [100, 0]))).toMatchObject({ outcome: 'inconclusive', reason: 'no-data' });
  });
});

const check = (outcome: Check['outcome']): Check => ({ gate: 'g', outcome, detail: outcome, ...(outcome === 'inconclusive' ? { reason: 'too-few-requests' as const } : {}) });

describe('a step verdict from its checks', () => {
  it('failureLimit failed checks exhaust the gate; fewer do not', () => {
    const t = new GateTally('g', 2);
    t.record(check('fail'));
    expect(t.exhausted).toBe(false);
    t.record(check('pass'));
    t.record(check('fail'));
    expect(t.exhausted).toBe(true);
    expect(t.verdict()).toMatchObject({ gate: 'g', ok: false, detail: 'fail: fail (2 of 3 checks failed, 0 inconclusive; failureLimit 2 reached)' });
  });

  it('consecutiveFailureLimit counts failures in a row; inconclusiveLimit counts inconclusive checks', () => {
    const t = new GateTally('g', { failureLimit: 10, consecutiveFailureLimit: 2 });
    for (const o of ['fail', 'pass', 'fail', 'pass'] as const) t.record(check(o));
    expect(t.exhausted).toBe(false);
    t.record(check('fail'));
    t.record(check('fail'));
    expect(t.exhausted).toBe(true);
    expect(t.verdict().detail).toContain('consecutiveFailureLimit 2 reached');
    const silent = new GateTally('g', { failureLimit: 1, inconclusiveLimit: 3 });
    for (let i = 0; i < 3; i++) silent.record(check('inconclusive'));
    expect(silent.exhausted).toBe(true);
  });

  it('a dry-run gate is judged and shown but never aborts or fails its step', () => {
    const t = new GateTally('g', { failureLimit: 1, dryRun: true });
    t.record(check('fail'));
    expect(t.exhausted).toBe(false);
    expect(t.verdict()).toMatchObject({ ok: true, detail: expect.stringMatching(/^dry run, never aborts: would fail — fail: fail/) });
  });

  it('inconclusive at the end of the step fails it, even after passes; a final pass passes', () => {
    const t = new GateTally('g', 1);
    t.record(check('pass'));
    t.record(check('inconclusive'));
    expect(t.verdict()).toMatchObject({ ok: false, detail: expect.stringMatching(/^inconclusive \(too-few-requests\): inconclusive at the end of the step; a step without enough traffic/) });
    t.record(check('pass'));
    expect(t.verdict()).toMatchObject({ gate: 'g', ok: true, detail: 'pass: pass (0 of 3 checks failed, 1 inconclusive)' });
    expect(new GateTally('g', 1).verdict().ok).toBe(false);
  });

  it('only inconclusive checks never pass (a release whose every measurement errored is never successful)', () => {
    const t = new GateTally('g', 1);
    for (let i = 0; i < 10; i++) t.record({ ...check('inconclusive'), reason: 'metrics-unreachable' });
    expect(t.exhausted).toBe(false);
    expect(t.verdict().ok).toBe(false);
  });
});

describe('config', () => {
  it('fills defaults: the stack Prometheus, 5s interval, failureLimit 1, significance 0.01, power 0.95, no dry run', () => {
    const r = rolloutSection.parse({ gates: { successRate: { min: 99.5 }, latency: { max: '250ms' } }, load: { url: 'http://127.0.0.1:18000/' } });
    expect(r.gates.successRate).toEqual({ min: 99.5, significance: 0.01, power: 0.95, interval: '5s', failureLimit: 1, dryRun: false, prometheusUrl: 'http://127.0.0.1:9090', timeout: '5s' });
    expect(r.gates.latency).toMatchObject({ max: '250ms' });
    expect(r.gates.latency?.provider).toBeUndefined();
    expect(r.load).toEqual({ url: 'http://127.0.0.1:18000/', rate: 50, connections: 4, headers: {}, method: 'GET', timeout: '10s' });
  });

  it('refuses bad gates and load with file, field and reason', () => {
    const loaded = (rollout: unknown) => ({ file: 'shipline.yaml', baseDir: '.', config: {} as never, raw: { rollout } });
    const bad = {
      gates: { successRate: { min: 101, failureLimit: 0, provider: 'linkerd' }, latency: { max: '0s', interval: 'soon' } },
      load: { url: 'nope', rate: 0 },
    };
    let message = '';
    try {
      rolloutConfig(loaded(bad));
    } catch (error) {
      message = (error as Error).message;
    }
    for (const expected of [
      'rollout.gates.successRate.min: must be between 0 and 100',
      'rollout.gates.successRate.failureLimit: must be at least 1',
      'rollout.gates.successRate.provider: must be traefik or istio',
      'rollout.gates.latency.max: must be longer than 0',
      'rollout.gates.latency.interval: must be a duration',
      'rollout.load.url',
      'rollout.load.rate: must be at least 1',
    ]) {
      expect(message).toContain(expected);
    }
    expect(message).toMatch(/^shipline\.yaml is invalid:/);
    expect(message).not.toContain('interval: must be longer than 0');
    expect(rolloutSection.safeParse({ gates: { successRate: {} } }).success).toBe(false);
    expect(rolloutSection.safeParse({ gates: { latency: { maxIncrease: 'a lot' } } }).success).toBe(false);
    expect(rolloutSection.safeParse({ gates: { successRate: { maxDrop: 1, significance: 1 } } }).success).toBe(false);
    expect(rolloutSection.safeParse({ gates: { latency: { max: '1s', extra: 1 } } }).success).toBe(false);
  });
});

const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('a Prometheus that fails', () => {
  it('one that does not answer within the timeout makes the check inconclusive (metrics unreachable), not the process fail', async () => {
    const silent = await serve(() => undefined);
    const started = Date.now();
    const answer = await queryPrometheus(silent, 'up', 300);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(answer).toEqual({ ok: false, error: `Prometheus at ${silent} did not answer: no answer within 300 ms` });
    const gate = { name: 'successRate v2', kind: 'successRate' as const, config: successRateGate.parse({ min: 99, prometheusUrl: silent, timeout: '300ms' }) };
    const run = { gate, judge: new GateJudge(gate), step: 's' };
    expect(await checkGate('traefik', { newer: target }, run)).toEqual({ gate: 'successRate v2', outcome: 'inconclusive', reason: 'metrics-unreachable', detail: answer.ok ? '' : answer.error });
  });

  it('one that is not there, or refuses the query, fails the check with its reason', async () => {
    const closed = await serve(() => undefined);
    servers.at(-1)!.close();
    expect(await queryPrometheus(closed, 'up', 1000)).toMatchObject({ ok: false, error: expect.stringMatching(/did not answer: connect ECONNREFUSED/) });
    const refusing = await serve((_, res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"status":"error","error":"parse error at char 3"}'));
    expect(await queryPrometheus(refusing, 'up(', 1000)).toEqual({ ok: false, error: `Prometheus at ${refusing} refused the query: parse error at char 3` });
  });
});

describe('checks during a pause', () => {
  const ctx = {
    namespace: 'shop',
    intent: { service: 'link', port: 8080 },
    choice: { api: 'gateway-api' },
    rollout: rolloutSection.parse({}),
    template: generatedTemplate({ service: 'link', namespace: 'shop', selector: { app: 'link' }, workload: rolloutSection.parse({}).workload }),
    log: () => undefined,
  } as unknown as RolloutContext;
  const step = { subset: 'v2', label: 'canary 10% v2', last: false, stable: 'v1' };
  const gate = (name: string, fields: Record<string, unknown>): NamedGate => ({ name, kind: 'successRate', config: successRateGate.parse({ min: 99, ...fields }) });

  /**
   * Runs the loop against a simulated data plane: each version's counters grow by `perSecond`
   * requests a second (`failing` percent of them 5xx, v1 the stable one); returns the pauses
   * taken and when each gate was read.
   */
  async function runLoop(gates: NamedGate[], failing: Record<string, number[]>, pauseMs: number, perSecond = 100) {
    const pauses: number[] = [];
    let now = 0;
    const readAt: Record<string, number[]> = {};
    const reader: CounterReader = async (provider, targets, g) => {
      expect([provider, targets.newer.service, targets.stable?.service]).toEqual(['traefik', 'link-v2', 'link-v1']);
      (readAt[g.name] ??= []).push(now);
      const seconds = now / 1000;
      const errorsOf = (rates: number[]) => Math.round(rates.slice(0, Math.ceil(seconds)).reduce((sum, r) => sum + (perSecond * r) / 100, 0));
      const bad = errorsOf(failing[g.name] ?? []);
      const s = samples({ v2: { ok: perSecond * seconds - bad, errors: bad }, v1: { ok: perSecond * seconds, errors: 0 } });
      return { ok: true, snapshot: snapshotOf(now, traefik, s.requests, s.buckets) };
    };
    const results = await checkDuringPause({ ...ctx }, step, gates, pauseMs, async (ms) => {
      pauses.push(ms);
      now += ms;
    }, reader);
    return { results, pauses, readAt };
  }

  it('reads every gate at the step start (the baseline), at its own interval and once more at the end of the pause', async () => {
    const r = await runLoop([gate('a', { interval: '2s', minRequests: 10 }), gate('b', { interval: '3s', minRequests: 10 })], {}, 7000);
    expect(r.pauses).toEqual([2000, 1000, 1000, 2000, 1000]);
    expect(r.readAt).toEqual({ a: [0, 2000, 4000, 6000, 7000], b: [0, 3000, 6000, 7000] });
    expect(r.results.map((x) => x.ok)).toEqual([true, true]);
    expect(r.results[0]!.check!.evidence).toMatchObject({ newVersion: { requests: 700, errors: 0 }, stable: { requests: 700 }, seconds: 7 });
  });

  it('ends the pause at once when a gate reaches its failureLimit', async () => {
    // Half the first second's requests fail: every check of the step counts them.
    const r = await runLoop([gate('a', { interval: '1s', failureLimit: 2, minRequests: 10 })], { a: [50] }, 60_000);
    expect(r.pauses).toEqual([1000, 1000]);
    expect(r.results[0]).toMatchObject({ gate: 'a', ok: false, detail: expect.stringMatching(/^fail: v2 75\.00% of 200 requests .*below the minimum 99% \(2 of 2 checks failed, 0 inconclusive; failureLimit 2 reached\)$/) });
  });

  it('fewer failures than failureLimit let the step pass; no traffic is inconclusive and fails it', async () => {
    expect((await runLoop([gate('a', { interval: '1s', failureLimit: 5, minRequests: 10 })], { a: [5] }, 10_000)).results[0]!.ok).toBe(true);
    const silent = await runLoop([gate('a', { interval: '1s' })], {}, 3000, 0);
    expect(silent.results[0]).toMatchObject({ ok: false, detail: expect.stringContaining('inconclusive (no-data)') });
  });

  it('with no pause, judges once, right away (no requests yet: inconclusive)', async () => {
    const r = await runLoop([gate('a', {})], {}, 0);
    expect(r.pauses).toEqual([]);
    expect(r.readAt).toEqual({ a: [0, 0] });
    expect(r.results[0]!.ok).toBe(false);
  });
});
