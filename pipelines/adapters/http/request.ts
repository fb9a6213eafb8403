// One HTTP request through the door: a pooled connection (dispatchers.ts), a deadline on
// connecting, on the server's silence and on the whole exchange, and failures typed by
// whether another try could help (policy.ts decides whether to make it).
import type { Readable } from 'node:stream';
import { ExternalError } from '../../errors.js';
import { detail } from '../../verbosity.js';
import { fingerprint, type ConnectionOptions } from './connection-key.js';
import { exchangeHttp2 } from './http2.js';
import { connectTimeoutMs, RequestTimeoutError, TransientError, transientNetworkError } from './policy.js';

export type Headers = Record<string, string | string[] | undefined>;

export interface HttpRequest extends ConnectionOptions {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Fails when the server sends nothing for this long (while answering or sending the body). */
  idleTimeoutMs: number;
  /** Fails when the whole exchange takes longer (a server that trickles bytes). Default: none beyond the idle limit. */
  totalTimeoutMs?: number;
  /** Read the response body (false for HEAD or when only status and headers matter). */
  readBody?: boolean;
  /** Bytes of response body kept at most (default 16 MiB); the rest is read and dropped. */
  maxBody?: number;
  /** A 200's body goes here as it arrives (a large blob to a file), not into memory; the response's body is then empty. */
  sink?: (body: Readable) => Promise<void>;
  /** The message of a timeout (seconds given), naming the system: each client words its own. */
  timedOut: (seconds: number, which: 'idle' | 'total') => RequestTimeoutError;
  /** The message of a connection failure, naming the system. */
  unreachable: (error: Error) => string;
  hint?: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

const defaultMaxBody = 16 * 1024 * 1024;
const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
/** undici's words for a connection the server closed or reset. */
const droppedCodes = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

function classify(error: unknown, req: HttpRequest): Error {
  if (error instanceof ExternalError) return error;
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: string }).code ?? '';
  if (timeoutCodes.has(code)) return req.timedOut(req.idleTimeoutMs / 1000, 'idle');
  const cause = e.cause as { code?: string } | undefined;
  const transient = transientNetworkError(e) || transientNetworkError(cause) || droppedCodes.has(code);
  const message = req.unreachable(cause instanceof Error && e.message === 'fetch failed' ? cause : e);
  return transient ? new TransientError(message, { cause: e, hint: req.hint }) : new ExternalError(message, { cause: e, hint: req.hint });
}

async function readAll(body: Readable, keep: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (length > keep) continue;
    length += chunk.length;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Requests for node's HTTP/2 client: asked for, over TLS, straight to the server (a proxy and a body sink take undici's path). */
function overHttp2(req: HttpRequest): boolean {
  return req.http2 === true && req.url.protocol === 'https:' && !req.proxy && !req.proxyFromEnv && !req.socketPath && !req.sink;
}

/**
 * Sends one request and reads its answer; throws RequestTimeoutError, TransientError or
 * ExternalError. undici does not give up a connection attempt on abort, so the deadlines
 * (silence until the answer starts, the whole exchange) are raced here as well.
 */
export async function send(req: HttpRequest): Promise<HttpResponse> {
  const started = performance.now();
  const abort = new AbortController();
  let expired: 'idle' | 'total' | undefined;
  let failDeadline: (error: Error) => void = () => undefined;
  const deadline = new Promise<never>((_resolve, reject) => (failDeadline = reject));
  const expire = (which: 'idle' | 'total', ms: number) => {
    expired = which;
    const error = req.timedOut(ms / 1000, which);
    abort.abort(error);
    failDeadline(error);
  };
  const idleTimer = setTimeout(() => expire('idle', req.idleTimeoutMs), req.idleTimeoutMs);
  const totalTimer = req.totalTimeoutMs === undefined ? undefined : setTimeout(() => expire('total', req.totalTimeoutMs!), req.totalTimeoutMs);
  const exchange = async (): Promise<HttpResponse> => {
    // A connection attempt outlives an abort in undici: one slower than the request's own
    // deadline would keep the process waiting after the request failed (a short --timeout).
    const connection = { ...req, connectTimeoutMs: Math.min(req.connectTimeoutMs ?? connectTimeoutMs, req.idleTimeoutMs) };
    if (overHttp2(req)) {
      const answer = await exchangeHttp2({
        ...req,
        // The session outlives this request's connect deadline: that deadline does not name it.
        key: `${req.url.origin} ${fingerprint(req)}`,
        connectTimeoutMs: connection.connectTimeoutMs,
        signal: abort.signal,
        onHeaders: () => clearTimeout(idleTimer),
        readBody: req.readBody !== false,
        maxBody: req.maxBody ?? defaultMaxBody,
      });
      if (answer) {
        detail(`${req.method} ${req.url.pathname}${req.url.search} → ${answer.status} (${Math.round(performance.now() - started)} ms)`);
        return answer;
      }
    }
    // undici only when a request needs it: the Kubernetes API's requests never load it.
    const [{ request }, { dispatcherFor }] = await Promise.all([import('./undici.js'), import('./dispatchers.js')]);
    const res = await request(req.url, dispatcherFor(req.url, connection), {
      method: req.method as 'GET',
      headers: req.headers,
      body: req.body,
      headersTimeout: req.idleTimeoutMs,
      bodyTimeout: req.idleTimeoutMs,
      signal: abort.signal,
    });
    clearTimeout(idleTimer);
    detail(`${req.method} ${req.url.pathname}${req.url.search} → ${res.statusCode} (${Math.round(performance.now() - started)} ms)`);
    if (req.sink && res.statusCode === 200) {
      await req.sink(res.body);
      return { status: res.statusCode, headers: res.headers, body: Buffer.alloc(0) };
    }
    const body = req.readBody === false ? (await res.body.dump(), Buffer.alloc(0)) : await readAll(res.body, req.maxBody ?? defaultMaxBody);
    return { status: res.statusCode, headers: res.headers, body };
  };
  deadline.catch(() => undefined);
  try {
    return await Promise.race([exchange(), deadline]);
  } catch (error) {
    if (expired) throw req.timedOut((expired === 'idle' ? req.idleTimeoutMs : req.totalTimeoutMs!) / 1000, expired);
    throw classify(error, req);
  } finally {
    clearTimeout(idleTimer);
    clearTimeout(totalTimer);
  }
}
