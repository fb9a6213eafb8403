// Retries with exponential backoff for transient registry failures.
import { TransientError } from './http.js';

export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetry: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}

export async function withRetry<T>(policy: RetryPolicy, fn: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (!(error instanceof TransientError) || attempt >= policy.attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(policy, attempt)));
    }
  }
}
