// Range queries against Prometheus's HTTP API (/api/v1/query_range): the one place the release
// report asks Prometheus, so it can move behind the shared HTTP door with the other clients. A
// Prometheus that fails or does not answer is a result, never a throw.
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
  const url = new URL('/api/v1/query_range', baseUrl);
  url.searchParams.set('query', query);
  url.searchParams.set('start', String(grid.start));
  url.searchParams.set('end', String(grid.end));
  url.searchParams.set('step', `${grid.stepSeconds}s`);
  try {
    // The signal also bounds reading the body.
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: RangeBody;
    try {
      body = JSON.parse(text) as RangeBody;
    } catch {
      return { ok: false, error: `Prometheus at ${baseUrl} answered HTTP ${res.status} without JSON` };
    }
    if (body.status !== 'success') return { ok: false, error: `Prometheus at ${baseUrl} refused the query: ${body.error ?? `HTTP ${res.status}`}` };
    if (body.data?.resultType !== 'matrix') return { ok: false, error: `Prometheus at ${baseUrl} answered ${body.data?.resultType ?? 'nothing'} where a matrix was asked for` };
    const values = body.data.result?.[0]?.values ?? [];
    return { ok: true, points: values.map(([t, v]) => [Number(t), Number(v)]) };
  } catch (error) {
    const e = error as Error;
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}`;
    return { ok: false, error: `Prometheus at ${baseUrl} did not answer: ${why}` };
  }
}
