// The metric gates: PromQL per provider, how a check is judged (too few requests is
// inconclusive, never a pass), failureLimit, the step verdict, the config, and a Prometheus
// that does not answer failing the check rather than the process.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { latencyGate, successRateGate } from '../../pipelines/rollout/analysis-config.js';
import { queryPrometheus } from '../../pipelines/rollout/analysis-prometheus.js';
import { promRange, traefikServiceLabel, versionQueries, type VersionTarget } from '../../pipelines/rollout/analysis-queries.js';
import { GateTally, judgeLatency, judgeSuccessRate, type Check } from '../../pipelines/rollout/analysis-verdict.js';
import { checkDuringPause, checkGate, metricsProvider, type NamedGate } from '../../pipelines/rollout/analysis.js';
import type { RolloutContext } from '../../pipelines/rollout/context.js';
import { generatedTemplate } from '../../pipelines/rollout/template.js';
import { rolloutConfig, rolloutSection } from '../../pipelines/rollout/config.js';

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

const success = successRateGate.parse({ min: 99, minRequests: 50 });
const latency = latencyGate.parse({ max: '300ms', minRequests: 50 });

describe('judging one check', () => {
  it('success rate: fewer requests than minRequests is inconclusive, whatever the errors', () => {
    expect(judgeSuccessRate('s', success, {})).toMatchObject({ outcome: 'inconclusive', requests: 0, detail: 'inconclusive: 0 requests in the last 30s, fewer than minRequests 50' });
    expect(judgeSuccessRate('s', success, { requests: 49.4, errors: 0 })).toMatchObject({ outcome: 'inconclusive', requests: 49 });
    expect(judgeSuccessRate('s', success, { requests: 10, errors: 10 }).outcome).toBe('inconclusive');
  });

  it('success rate: passes at the minimum, fails below it; no 5xx series means no errors', () => {
    expect(judgeSuccessRate('s', success, { requests: 100 })).toMatchObject({ outcome: 'pass', value: 100 });
    expect(judgeSuccessRate('s', success, { requests: 100, errors: 1 })).toMatchObject({ outcome: 'pass', value: 99 });
    const failed = judgeSuccessRate('s', success, { requests: 200, errors: 40.2 });
    expect(failed).toMatchObject({ outcome: 'fail', value: 80, detail: '80.00% of 200 requests without 5xx (40 5xx), below the minimum 99%' });
  });

  it('latency: inconclusive without enough requests or without a histogram; compares p99 with max', () => {
    expect(judgeLatency('l', latency, { requests: 3, p99: 9 }).outcome).toBe('inconclusive');
    expect(judgeLatency('l', latency, { requests: 80 })).toMatchObject({ outcome: 'inconclusive' });
    expect(judgeLatency('l', latency, { requests: 80, p99: 0.3 })).toMatchObject({ outcome: 'pass', detail: 'p99 300ms over 80 requests, within 300ms' });
    expect(judgeLatency('l', latency, { requests: 80, p99: 1.234 })).toMatchObject({ outcome: 'fail', detail: 'p99 1.23s over 80 requests, above the maximum 300ms' });
  });
});

const check = (outcome: Check['outcome']): Check => ({ gate: 'g', outcome, detail: outcome });

describe('a step verdict from its checks', () => {
  it('failureLimit failed checks exhaust the gate; fewer do not', () => {
    const t = new GateTally('g', 2);
    t.record(check('fail'));
    expect(t.exhausted).toBe(false);
    t.record(check('pass'));
    t.record(check('fail'));
    expect(t.exhausted).toBe(true);
    expect(t.verdict()).toEqual({ gate: 'g', ok: false, detail: 'fail (2 of 3 checks failed, failureLimit 2)' });
  });

  it('inconclusive at the end of the step fails it, even after passes; a final pass passes', () => {
    const t = new GateTally('g', 1);
    t.record(check('pass'));
    t.record(check('inconclusive'));
    expect(t.verdict()).toMatchObject({ ok: false, detail: expect.stringMatching(/^inconclusive at the end of the step; a step without enough traffic/) });
    t.record(check('pass'));
    expect(t.verdict()).toEqual({ gate: 'g', ok: true, detail: 'pass (0 of 3 checks failed)' });
    expect(new GateTally('g', 1).verdict().ok).toBe(false);
  });

  it('only inconclusive checks never pass', () => {
    const t = new GateTally('g', 1);
    for (let i = 0; i < 10; i++) t.record(check('inconclusive'));
    expect(t.exhausted).toBe(false);
    expect(t.verdict().ok).toBe(false);
  });
});

describe('config', () => {
  it('fills defaults: the stack Prometheus, 30s window, 5s interval, failureLimit 1, 20 requests', () => {
    const r = rolloutSection.parse({ gates: { successRate: { min: 99.5 }, latency: { max: '250ms' } }, load: { url: 'http://127.0.0.1:18000/' } });
    expect(r.gates.successRate).toEqual({ min: 99.5, minRequests: 20, window: '30s', interval: '5s', failureLimit: 1, prometheusUrl: 'http://127.0.0.1:9090', timeout: '5s' });
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
  it('one that does not answer within the timeout fails the check, not the process', async () => {
    const silent = await serve(() => undefined);
    const started = Date.now();
    const answer = await queryPrometheus(silent, 'up', 300);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(answer).toEqual({ ok: false, error: `Prometheus at ${silent} did not answer: no answer within 300 ms` });
    const gate = { name: 'successRate v2', kind: 'successRate' as const, config: successRateGate.parse({ min: 99, prometheusUrl: silent, timeout: '300ms' }) };
    expect(await checkGate('traefik', target, gate)).toEqual({ gate: 'successRate v2', outcome: 'fail', detail: answer.ok ? '' : answer.error });
  });

  it('one that is not there, or refuses the query, fails the check with its reason', async () => {
    const closed = await serve(() => undefined);
    servers.at(-1)!.close();
    expect(await queryPrometheus(closed, 'up', 1000)).toMatchObject({ ok: false, error: expect.stringMatching(/did not answer: fetch failed \(.*ECONNREFUSED/) });
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
  const step = { subset: 'v2', label: 'canary 10% v2', last: false };
  const gate = (name: string, fields: Record<string, unknown>): NamedGate => ({ name, kind: 'successRate', config: successRateGate.parse({ min: 99, ...fields }) });

  /** Runs the loop with outcomes per gate in order; returns the pauses taken and when each gate was checked. */
  async function runLoop(gates: NamedGate[], outcomes: Record<string, Check['outcome'][]>, pauseMs: number) {
    const pauses: number[] = [];
    let now = 0;
    const checkedAt: Record<string, number[]> = {};
    const results = await checkDuringPause(
      ctx,
      step,
      gates,
      pauseMs,
      async (ms) => {
        pauses.push(ms);
        now += ms;
      },
      async (provider, target, g) => {
        expect([provider, target.service, target.port, target.workload]).toEqual(['traefik', 'link-v2', 8080, 'link-v2']);
        (checkedAt[g.name] ??= []).push(now);
        const outcome = outcomes[g.name]!.shift() ?? 'pass';
        return { gate: g.name, outcome, detail: outcome };
      },
    );
    return { results, pauses, checkedAt };
  }

  it('checks each gate at its own interval and once more at the end of the pause', async () => {
    const r = await runLoop([gate('a', { interval: '2s' }), gate('b', { interval: '3s' })], { a: [], b: [] }, 7000);
    expect(r.pauses).toEqual([2000, 1000, 1000, 2000, 1000]);
    expect(r.checkedAt).toEqual({ a: [2000, 4000, 6000, 7000], b: [3000, 6000, 7000] });
    expect(r.results.map((x) => x.ok)).toEqual([true, true]);
  });

  it('ends the pause at once when a gate reaches its failureLimit', async () => {
    const r = await runLoop([gate('a', { interval: '1s', failureLimit: 2 })], { a: ['fail', 'pass', 'fail'] }, 60_000);
    expect(r.pauses).toEqual([1000, 1000, 1000]);
    expect(r.results).toEqual([{ gate: 'a', ok: false, detail: 'fail (2 of 3 checks failed, failureLimit 2)' }]);
  });

  it('fewer failures than failureLimit let the step pass; inconclusive at the end fails it', async () => {
    expect((await runLoop([gate('a', { interval: '1s', failureLimit: 2 })], { a: ['fail', 'pass', 'pass'] }, 3000)).results[0]!.ok).toBe(true);
    const silent = await runLoop([gate('a', { interval: '1s' })], { a: ['inconclusive', 'inconclusive', 'inconclusive'] }, 3000);
    expect(silent.results[0]).toMatchObject({ ok: false, detail: expect.stringContaining('inconclusive at the end of the step') });
  });

  it('with no pause, judges once, right away', async () => {
    const r = await runLoop([gate('a', {})], { a: ['inconclusive'] }, 0);
    expect(r.pauses).toEqual([]);
    expect(r.checkedAt).toEqual({ a: [0] });
    expect(r.results[0]!.ok).toBe(false);
  });
});
