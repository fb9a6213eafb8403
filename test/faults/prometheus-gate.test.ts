// Prometheus hung (SIGSTOP) while a rollout gate asks it: the check fails within its
// timeout, with a clear detail, and the process carries on; once resumed, the same gate passes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusGate, runGates } from '../../pipelines/rollout/gates.js';
import { PrometheusInstance } from './support/prometheus-instance.js';

let prometheus: PrometheusInstance;

beforeAll(async () => {
  prometheus = await PrometheusInstance.start();
}, 90_000);
afterAll(async () => {
  await prometheus?.stop();
});

describe('Prometheus hung during a gate', () => {
  const gates = () => ({ prometheus: { url: prometheus.url, query: 'vector(0.25)', max: 0.5, noDataTimeout: '30s' } });

  it('answers: the gate passes by its rule', async () => {
    const [result] = await runGates(gates(), []);
    expect(result).toMatchObject({ ok: true, detail: 'value 0.25, must be <= 0.5' });
  });

  it('hung: the check fails within the timeout, naming Prometheus and its address', async () => {
    process.env.SHIPLINE_TIMEOUT = '2';
    prometheus.hang();
    try {
      const started = Date.now();
      const [result] = await runGates(gates(), []);
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(1_900);
      expect(took).toBeLessThan(5_000);
      expect(result).toEqual({ gate: 'prometheus vector(0.25)', ok: false, detail: `Prometheus at ${prometheus.url} did not answer: no answer within 2s` });
    } finally {
      prometheus.resume();
      delete process.env.SHIPLINE_TIMEOUT;
    }
  });

  it('resumed: the same gate passes again', async () => {
    const [result] = await runGates(gates(), []);
    expect(result?.ok).toBe(true);
  });
});

describe('a query with no sample yet (the new version not yet scraped)', () => {
  // Empty until a moment two seconds from now, then 1: a series that appears late, without a fake.
  const appearsIn = (seconds: number) => `vector(1) and on() (vector(time()) > ${Date.now() / 1000 + seconds})`;

  it('is asked again until the sample appears, then judged by its rule', async () => {
    const started = Date.now();
    const result = await prometheusGate({ url: prometheus.url, query: appearsIn(2), max: 0, noDataTimeout: '20s' }, 250);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(result).toMatchObject({ ok: false, detail: 'value 1, must be <= 0' });
  });

  it('fails after noDataTimeout when no sample ever comes, saying how long it waited', async () => {
    const started = Date.now();
    const result = await prometheusGate({ url: prometheus.url, query: 'absent(vector(1))', min: 1, noDataTimeout: '2s' }, 250);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_700);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(result).toEqual({ gate: 'prometheus absent(vector(1))', ok: false, detail: 'the query returned no sample for 2s (noDataTimeout)' });
  });
});
