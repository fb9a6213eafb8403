// Retries shared by the doors: exponential backoff with jitter, for failures that may pass
// when tried again (connection reset or refused, HTTP 429 and 502–504). Only idempotent
// requests are retried; a request that timed out is not (a hung server stays hung).
import { ExternalError } from '../errors.js';

export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** A failure that may pass if tried again. */
export class TransientError extends ExternalError {}

/** An outside system that did not answer in time. Not retried. */
export class RequestTimeoutError extends ExternalError {}

/** HTTP statuses worth another try: too many requests, bad gateway, unavailable, gateway timeout. */
export function transientStatus(status: number): boolean {
  return status === 429 || (status >= 502 && status <= 504);
}

/** Socket errors worth another try: the connection was reset, refused or dropped. */
export function transientNetworkError(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN'].includes(code ?? '') || (error as Error | undefined)?.message === 'socket hang up';
}

/**
 * The wait before try `attempt + 1`: exponential, capped, with "equal jitter" (half fixed,
 * half random) so that clients failing together do not retry together.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export async function withRetry<T>(
  policy: RetryPolicy,
  fn: (attempt: number) => Promise<T>,
  retryable: (error: unknown) => boolean = (error) => error instanceof TransientError,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (!retryable(error) || attempt >= policy.attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(policy, attempt)));
    }
  }
}

/**
 * How long an outside system may stay silent before a request fails: SHIPLINE_TIMEOUT
 * (seconds) when set, else the door's default.
 */
export function requestTimeoutMs(defaultMs: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SHIPLINE_TIMEOUT;
  if (raw === undefined || raw === '') return defaultMs;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : defaultMs;
}
