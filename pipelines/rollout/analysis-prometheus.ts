// Instant queries against Prometheus's HTTP API, each bounded by a timeout that also covers
// reading the body. A Prometheus that fails or does not answer is a result, never a throw:
// it fails the check that asked, not the process.
export type QueryAnswer =
  /** value: the first sample, or undefined when the query returned none (or NaN: no data to divide). */
  | { ok: true; value: number | undefined }
  | { ok: false; error: string };

interface PromBody {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { value?: [number, string] }[] | [number, string] };
}

function firstValue(body: PromBody): string | undefined {
  const result = body.data?.result;
  if (!Array.isArray(result) || result.length === 0) return undefined;
  // A scalar result is [time, "value"]; a vector is [{ value: [time, "value"] }, …].
  if (body.data?.resultType === 'scalar') return (result as [number, string])[1];
  return (result as { value?: [number, string] }[])[0]?.value?.[1];
}

export async function queryPrometheus(baseUrl: string, query: string, timeoutMs: number): Promise<QueryAnswer> {
  const url = new URL('/api/v1/query', baseUrl);
  url.searchParams.set('query', query);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: PromBody;
    try {
      body = JSON.parse(text) as PromBody;
    } catch {
      return { ok: false, error: `Prometheus at ${baseUrl} answered HTTP ${res.status} without JSON` };
    }
    if (body.status !== 'success') return { ok: false, error: `Prometheus at ${baseUrl} refused the query: ${body.error ?? `HTTP ${res.status}`}` };
    const raw = firstValue(body);
    if (raw === undefined) return { ok: true, value: undefined };
    const value = Number(raw);
    return { ok: true, value: Number.isFinite(value) ? value : undefined };
  } catch (error) {
    const e = error as Error;
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}`;
    return { ok: false, error: `Prometheus at ${baseUrl} did not answer: ${why}` };
  }
}
