// Range queries against Prometheus's HTTP API (/api/v1/query_range) for the release report,
// through the one Prometheus client. A Prometheus that fails or does not answer is a result,
// never a throw.
import { prometheusQuery } from '../rollout/analysis-prometheus.js';

export interface RangeGrid {
  /** Unix seconds. */
  start: number;
  end: number;
  stepSeconds: number;
}

/** The first series' samples as [unix seconds, value] (NaN kept: no data to divide), or why none. */
export type RangeAnswer = { ok: true; points: [number, number][] } | { ok: false; error: string };

interface RangeBody {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { values?: [number, string][] }[] };
}

export async function queryRange(baseUrl: string, query: string, grid: RangeGrid, timeoutMs: number): Promise<RangeAnswer> {
  const params = { query, start: String(grid.start), end: String(grid.end), step: `${grid.stepSeconds}s` };
  const answer = await prometheusQuery<RangeBody>(baseUrl, '/api/v1/query_range', params, timeoutMs);
  if (!answer.ok) {
    if (answer.kind === 'query-error') return { ok: false, error: `Prometheus at ${baseUrl} refused the query: ${answer.why}` };
    return { ok: false, error: answer.why.includes('without JSON') ? `Prometheus at ${baseUrl} ${answer.why}` : `Prometheus at ${baseUrl} did not answer: ${answer.why}` };
  }
  const body = answer.body;
  if (body.data?.resultType !== 'matrix') return { ok: false, error: `Prometheus at ${baseUrl} answered ${body.data?.resultType ?? 'nothing'} where a matrix was asked for` };
  const values = body.data.result?.[0]?.values ?? [];
  return { ok: true, points: values.map(([t, v]) => [Number(t), Number(v)]) };
}
