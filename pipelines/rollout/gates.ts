// Gates between rollout steps: an HTTP probe and a Prometheus query with a threshold.
import type { RolloutConfig } from '../config/rollout.js';
import { ms } from '../config/rollout.js';
import { RequestTimeoutError, requestTimeoutMs, send } from '../adapters/http/index.js';
import { firstSample, instantQuery } from './analysis-prometheus.js';
import { interruption } from '../interrupt.js';

export interface GateResult {
  gate: string;
  ok: boolean;
  detail: string;
}

export async function httpGate(url: string, timeout: string): Promise<GateResult> {
  const gate = `http ${url}`;
  const limit = ms(timeout);
  try {
    const res = await send({
      method: 'GET',
      url: new URL(url),
      idleTimeoutMs: limit,
      totalTimeoutMs: limit,
      timedOut: () => new RequestTimeoutError(`${url} gave no answer within ${timeout}`),
      unreachable: (error) => `${url}: ${error.message}`,
    });
    return { gate, ok: res.status >= 200 && res.status < 300, detail: `HTTP ${res.status}` };
  } catch (error) {
    return { gate, ok: false, detail: (error as Error).message };
  }
}

type Prometheus = Omit<NonNullable<RolloutConfig['gates']['prometheus']>, 'noDataTimeout'> & { noDataTimeout?: string };

const noSample = 'the query returned no sample';

/**
 * The Prometheus gate: its query's first sample against min/max. No sample yet (the new
 * version not yet discovered or scraped) is asked again each second until noDataTimeout.
 */
export async function prometheusGate(p: Prometheus, retryEveryMs = 1_000): Promise<GateResult> {
  const waitMs = p.noDataTimeout ? ms(p.noDataTimeout) : 0;
  const started = Date.now();
  for (;;) {
    const result = await askPrometheus(p);
    if (result.detail !== noSample || interruption.aborted) return result;
    const waited = Date.now() - started;
    if (waited + retryEveryMs > waitMs) {
      return waitMs > 0 ? { ...result, detail: `${noSample} for ${p.noDataTimeout} (noDataTimeout)` } : result;
    }
    await new Promise((resolve) => setTimeout(resolve, retryEveryMs));
  }
}

async function askPrometheus(p: Prometheus): Promise<GateResult> {
  const gate = `prometheus ${p.query}`;
  const timeoutMs = requestTimeoutMs(10_000);
  const answer = await instantQuery(p.url, p.query, timeoutMs);
  if (!answer.ok) {
    if (answer.kind === 'query-error') return { gate, ok: false, detail: `query failed: ${answer.why}` };
    const why = answer.timeoutMs !== undefined ? `no answer within ${timeoutMs / 1000}s` : answer.why;
    return { gate, ok: false, detail: `Prometheus at ${p.url} did not answer: ${why}` };
  }
  const raw = firstSample(answer.body);
  if (raw === undefined) return { gate, ok: false, detail: noSample };
  const value = Number(raw);
  const ok = !Number.isNaN(value) && (p.max === undefined || value <= p.max) && (p.min === undefined || value >= p.min);
  const bounds = [p.min !== undefined && `>= ${p.min}`, p.max !== undefined && `<= ${p.max}`].filter(Boolean).join(' and ');
  return { gate, ok, detail: `value ${raw}, must be ${bounds}` };
}

/**
 * Runs the configured gates against the new version: the HTTP gate probes `url`, or `path`
 * on each of `addresses` (the version's ready pods, `http://<pod address>:<port>`).
 */
export async function runGates(gates: RolloutConfig['gates'], addresses: readonly string[]): Promise<GateResult[]> {
  const results: GateResult[] = [];
  const http = gates.http;
  if (http?.url) results.push(await httpGate(http.url, http.timeout));
  else if (http?.path) {
    if (addresses.length === 0) results.push({ gate: `http ${http.path}`, ok: false, detail: 'the new version has no ready pod to probe' });
    for (const base of addresses) results.push(await httpGate(`${base}${http.path}`, http.timeout));
  }
  if (gates.prometheus) results.push(await prometheusGate(gates.prometheus));
  return results;
}
