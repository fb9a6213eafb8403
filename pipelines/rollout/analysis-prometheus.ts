// Instant queries against Prometheus's HTTP API, each bounded by a timeout that also covers
// reading the body. A Prometheus that fails or does not answer is a result, never a throw:
// it fails the check that asked, not the process.
export type QueryAnswer =
  /** value: the first sample, or undefined when the query returned none (or NaN: no data to divide). */
  | { ok: true; value: number | undefined }
  | { ok: false; error: string };

/** One series of an instant vector: its labels and its value. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export type VectorAnswer = { ok: true; samples: Sample[] } | { ok: false; error: string; kind: 'unreachable' | 'query-error' };

interface PromBody {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { metric?: Record<string, string>; value?: [number, string] }[] | [number, string] };
}

function firstValue(body: PromBody): string | undefined {
  const result = body.data?.result;
  if (!Array.isArray(result) || result.length === 0) return undefined;
  // A scalar result is [time, "value"]; a vector is [{ value: [time, "value"] }, …].
  if (body.data?.resultType === 'scalar') return (result as [number, string])[1];
  return (result as { value?: [number, string] }[])[0]?.value?.[1];
}

async function ask(baseUrl: string, query: string, timeoutMs: number): Promise<{ ok: true; body: PromBody } | { ok: false; error: string; kind: 'unreachable' | 'query-error' }> {
  const url = new URL('/api/v1/query', baseUrl);
  url.searchParams.set('query', query);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: PromBody;
    try {
      body = JSON.parse(text) as PromBody;
    } catch {
      return { ok: false, kind: 'unreachable', error: `Prometheus at ${baseUrl} answered HTTP ${res.status} without JSON` };
    }
    if (body.status !== 'success') return { ok: false, kind: 'query-error', error: `Prometheus at ${baseUrl} refused the query: ${body.error ?? `HTTP ${res.status}`}` };
    return { ok: true, body };
  } catch (error) {
    const e = error as Error;
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}`;
    return { ok: false, kind: 'unreachable', error: `Prometheus at ${baseUrl} did not answer: ${why}` };
  }
}

export async function queryPrometheus(baseUrl: string, query: string, timeoutMs: number): Promise<QueryAnswer> {
  const answer = await ask(baseUrl, query, timeoutMs);
  if (!answer.ok) return { ok: false, error: answer.error };
  const raw = firstValue(answer.body);
  if (raw === undefined) return { ok: true, value: undefined };
  const value = Number(raw);
  return { ok: true, value: Number.isFinite(value) ? value : undefined };
}

/** Every series of an instant vector with its labels (NaN values left out). */
export async function queryVector(baseUrl: string, query: string, timeoutMs: number): Promise<VectorAnswer> {
  const answer = await ask(baseUrl, query, timeoutMs);
  if (!answer.ok) return answer;
  const result = answer.body.data?.result;
  if (answer.body.data?.resultType !== 'vector' || !Array.isArray(result)) return { ok: false, kind: 'query-error', error: `Prometheus at ${baseUrl} answered ${answer.body.data?.resultType ?? 'nothing'} where a vector was asked for` };
  const samples = (result as { metric?: Record<string, string>; value?: [number, string] }[])
    .map((r) => ({ labels: r.metric ?? {}, value: Number(r.value?.[1]) }))
    .filter((r) => Number.isFinite(r.value));
  return { ok: true, samples };
}
