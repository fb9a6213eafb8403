// The connection policy every HTTP client of shipline shares: how long a connection may
// take, how long a server may stay silent, which requests are tried again and how often.
import { ExternalError } from '../../errors.js';
import { RequestTimeoutError, requestTimeoutMs, TransientError, transientNetworkError, transientStatus, withRetry, type RetryPolicy } from '../retry.js';

export { RequestTimeoutError, requestTimeoutMs, TransientError, transientNetworkError, transientStatus, withRetry, type RetryPolicy };

/** A TCP (and TLS) connection that takes longer than this fails: loopback and LAN answer in milliseconds. */
export const connectTimeoutMs = 10_000;
/** An idle kept-alive connection is closed after this long (servers close theirs after 60–90 s). */
export const keepAliveMs = 30_000;
/** Connections per origin at most; requests beyond queue on them. */
export const connectionsPerOrigin = 32;

/** Tries of an idempotent request, the first included, and the backoff between them, per system. */
export const retryPolicies = {
  kube: { attempts: 4, baseDelayMs: 250, maxDelayMs: 4_000 },
  registry: { attempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 },
} satisfies Record<string, RetryPolicy>;

/**
 * Requests that give the same result when sent twice, and may therefore be retried: reads,
 * and server-side applies (a PATCH of the whole intent). POST, PUT, DELETE and other PATCHes may not.
 */
export function idempotent(method: string, contentType?: string): boolean {
  return method === 'GET' || method === 'HEAD' || (method === 'PATCH' && contentType === 'application/apply-patch+yaml');
}

/** What is worth another try: a dropped or refused connection, or 429/502–504. Never a timeout: a hung server stays hung. */
export function retryable(error: unknown): boolean {
  if (error instanceof RequestTimeoutError) return false;
  if (error instanceof TransientError) return true;
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && transientStatus(status);
}

/**
 * Runs `once` under the policy's retries when the request is idempotent; a transient
 * failure left after the last try says how many tries were made.
 */
export async function retried<T>(policy: RetryPolicy, isIdempotent: boolean, once: () => Promise<T>): Promise<T> {
  if (!isIdempotent) return once();
  return withRetry(policy, once, retryable).catch((error: unknown) => {
    if (error instanceof TransientError) {
      throw new ExternalError(`${error.message} (gave up after ${policy.attempts} tries)`, { cause: error, hint: error.hint });
    }
    throw error;
  });
}

/** The proxy settings in the environment, as one string ('' when none is set). */
export function envProxy(): string {
  const env = process.env;
  const proxy = env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy;
  return proxy ? [proxy, env.HTTP_PROXY ?? env.http_proxy, env.NO_PROXY ?? env.no_proxy].join(' ') : '';
}

/** Whether a client that takes proxies from the environment may reach `url` through one. */
export function mayProxy(url: URL): boolean {
  return !loopback(url.hostname) && envProxy() !== '';
}

/** Addresses on this machine: never reached through a proxy. */
export function loopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\./.test(bare);
}
