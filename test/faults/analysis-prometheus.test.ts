// The metric gates' Prometheus hung (SIGSTOP) during a check: the check fails within the
// gate's timeout, naming Prometheus, and counts as a failed check; the process carries on, and
// once Prometheus is resumed the same check answers again (inconclusive: it scrapes no data plane).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { successRateGate } from '../../pipelines/rollout/analysis-config.js';
import { checkGate } from '../../pipelines/rollout/analysis.js';
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
  it('hung: the check fails within the gate timeout and counts towards failureLimit', async () => {
    prometheus.hang();
    try {
      const started = Date.now();
      const check = await checkGate('traefik', target, gate());
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(1_900);
      expect(took).toBeLessThan(5_000);
      expect(check).toEqual({ gate: 'successRate v2', outcome: 'fail', detail: `Prometheus at ${prometheus.url} did not answer: no answer within 2000 ms` });
      const tally = new GateTally('successRate v2', 1);
      tally.record(check);
      expect(tally.exhausted).toBe(true);
    } finally {
      prometheus.resume();
    }
  });

  it('resumed: the same check answers; with no traffic it is inconclusive, not a pass', async () => {
    const check = await checkGate('traefik', target, gate());
    expect(check).toMatchObject({ outcome: 'inconclusive', requests: 0 });
  });
});
