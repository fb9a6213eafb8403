// Instant queries against Prometheus's HTTP API (the one Prometheus client, for the rollout
// gates, the analysis and status), each bounded by a timeout that also covers reading the
// body. A Prometheus that fails or does not answer is a result, never a throw: it fails the
// check that asked, not the process.
import { RequestTimeoutError, send } from '../adapters/http/index.js';

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

export interface PromBody {
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

/** Why an instant query has no answer: the server's silence, a failed exchange, or a refused query. */
export type QueryFailure =
  | { kind: 'unreachable'; timeoutMs?: number; why: string }
  | { kind: 'query-error'; why: string; status: number };

/**
 * The one Prometheus client: an instant query through the HTTP door, bounded by a deadline
 * that also covers reading the body (a server that stops mid-reply fails too).
 */
export async function instantQuery(baseUrl: string, query: string, timeoutMs: number): Promise<{ ok: true; body: PromBody } | ({ ok: false } & QueryFailure)> {
  return prometheusQuery<PromBody>(baseUrl, '/api/v1/query', { query }, timeoutMs);
}

/** Any query endpoint of the API (instant or range) through the one client; the body as JSON. */
export async function prometheusQuery<Body extends { status?: string; error?: string }>(
  baseUrl: string,
  path: '/api/v1/query' | '/api/v1/query_range',
  params: Record<string, string>,
  timeoutMs: number,
): Promise<{ ok: true; body: Body } | ({ ok: false } & QueryFailure)> {
  const url = new URL(path, baseUrl);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  try {
    const res = await send({
      method: 'GET',
      url,
      idleTimeoutMs: timeoutMs,
      totalTimeoutMs: timeoutMs,
      timedOut: () => new RequestTimeoutError(`no answer within ${timeoutMs} ms`),
      unreachable: (error) => `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`,
    });
    let body: Body;
    try {
      body = JSON.parse(res.body.toString('utf8')) as Body;
    } catch {
      return { ok: false, kind: 'unreachable', why: `answered HTTP ${res.status} without JSON` };
    }
    if (body.status !== 'success') return { ok: false, kind: 'query-error', why: body.error ?? `HTTP ${res.status}`, status: res.status };
    return { ok: true, body };
  } catch (error) {
    if (error instanceof RequestTimeoutError) return { ok: false, kind: 'unreachable', timeoutMs, why: error.message };
    return { ok: false, kind: 'unreachable', why: (error as Error).message };
  }
}

async function ask(baseUrl: string, query: string, timeoutMs: number): Promise<{ ok: true; body: PromBody } | { ok: false; error: string; kind: 'unreachable' | 'query-error' }> {
  const answer = await instantQuery(baseUrl, query, timeoutMs);
  if (answer.ok) return answer;
  if (answer.kind === 'query-error') return { ok: false, kind: 'query-error', error: `Prometheus at ${baseUrl} refused the query: ${answer.why}` };
  const error = answer.why.includes('without JSON') ? `Prometheus at ${baseUrl} ${answer.why}` : `Prometheus at ${baseUrl} did not answer: ${answer.why}`;
  return { ok: false, kind: 'unreachable', error };
}

/** The first sample's raw value of an answer, or undefined when the query returned none. */
export function firstSample(body: PromBody): string | undefined {
  return firstValue(body);
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
