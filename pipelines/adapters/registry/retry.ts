// Retry policy of the registry client; the backoff and jitter are the doors' shared ones.
export { backoffDelay, withRetry, type RetryPolicy } from '../retry.js';
import type { RetryPolicy } from '../retry.js';

export const defaultRetry: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };
