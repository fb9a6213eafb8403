// The metric gates' Prometheus hung (SIGSTOP) during a check: the check is inconclusive within
// the gate's timeout (metrics unreachable), naming Prometheus, and counts towards
// inconclusiveLimit; it is never a pass. The process carries on, and once Prometheus is resumed
// the same check answers again (inconclusive: no data, it scrapes no data plane).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { successRateGate } from '../../pipelines/config/rollout-analysis.js';
import { checkGate, readCounters } from '../../pipelines/rollout/analysis.js';
import { GateJudge } from '../../pipelines/rollout/analysis-judge.js';
import { GateTally } from '../../pipelines/rollout/analysis-verdict.js';
import { PrometheusInstance } from './support/prometheus-instance.js';

let prometheus: PrometheusInstance;

beforeAll(async () => {
  prometheus = await PrometheusInstance.start();
}, 90_000);
afterAll(async () => {
  await prometheus?.stop();
});

const target = { namespace: 'default', subset: 'v2', service: 'link-v2', port: 8080, workload: 'link-v2' };
const gate = () => ({ name: 'successRate v2', kind: 'successRate' as const, config: successRateGate.parse({ min: 99, prometheusUrl: prometheus.url, timeout: '2s' }) });

describe('Prometheus hung during a metric gate check', () => {
  it('hung: the check is inconclusive (metrics unreachable) within the gate timeout and counts towards inconclusiveLimit', async () => {
    prometheus.hang();
    try {
      const started = Date.now();
      const check = await checkGate('traefik', { newer: target }, { gate: gate(), judge: new GateJudge(gate()), step: 's' });
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(1_900);
      expect(took).toBeLessThan(5_000);
      expect(check).toEqual({ gate: 'successRate v2', outcome: 'inconclusive', reason: 'metrics-unreachable', detail: `Prometheus at ${prometheus.url} did not answer: no answer within 2000 ms` });
      const tally = new GateTally('successRate v2', { failureLimit: 1, inconclusiveLimit: 1 });
      tally.record(check);
      expect(tally.exhausted).toBe(true);
      expect(tally.verdict().ok).toBe(false);
    } finally {
      prometheus.resume();
    }
  });

  it('resumed: the same check answers; with no traffic it is inconclusive, not a pass', async () => {
    const baseline = await readCounters('traefik', { newer: target }, gate());
    expect(baseline.ok).toBe(true);
    const check = await checkGate('traefik', { newer: target }, { gate: gate(), judge: new GateJudge(gate()), step: 's', ...(baseline.ok ? { baseline: baseline.snapshot } : {}) });
    expect(check).toMatchObject({ outcome: 'inconclusive', reason: 'no-data', requests: 0 });
  });
});
