// HTTP/2 over TLS on node's own client, for servers that speak it (the Kubernetes API,
// as kubectl talks to it): one session per origin and TLS identity carries every request
// of a command, multiplexed, after one handshake. undici's HTTP/2 client costs about three
// times the CPU per request (200 server-side dry-runs: 1.3 ms against 0.45 ms each) and
// 560 KB of code to load. A server that does not choose h2 in the handshake is remembered,
// and the caller sends to it over HTTP/1.1.
import { connect as http2Connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { connect as tlsConnect, createSecureContext, type TLSSocket } from 'node:tls';
import type { TlsOptions } from './connection-key.js';
import { keepAliveMs, TransientError } from './policy.js';

export interface Http2Exchange {
  url: URL;
  method: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  tls?: TlsOptions;
  /** Names the origin and TLS identity: requests with the same key share a session. */
  key: string;
  connectTimeoutMs: number;
  /** Fails the exchange when the server sends nothing for this long. */
  idleTimeoutMs: number;
  signal: AbortSignal;
  /** Called when the response's headers arrive. */
  onHeaders: () => void;
  readBody: boolean;
  maxBody: number;
  unreachable: (error: Error) => string;
  hint?: string;
}

export interface Http2Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A session, or the word that the origin answers only over HTTP/1.1. */
type Connection = ClientHttp2Session | 'http/1.1';

const connections = new Map<string, Promise<Connection>>();

/** The TLS handshake, offering h2 and HTTP/1.1, so that a server without h2 still completes it and says so. */
function handshake(url: URL, tls: TlsOptions, timeoutMs: number): Promise<TLSSocket> {
  const { ca, cert, key, ...rest } = tls;
  const secureContext = ca || cert || key ? createSecureContext({ ca, cert, key }) : undefined;
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 443),
      servername: rest.servername ?? (/^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname),
      rejectUnauthorized: rest.rejectUnauthorized ?? true,
      secureContext,
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error(`connect timeout after ${timeoutMs} ms`), { code: 'UND_ERR_CONNECT_TIMEOUT' })), timeoutMs);
    const failed = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.removeListener('error', failed); // the session takes the socket's errors from here
      resolve(socket);
    });
    socket.once('error', failed);
  });
}

async function open(exchange: Http2Exchange): Promise<Connection> {
  const socket = await handshake(exchange.url, exchange.tls ?? {}, exchange.connectTimeoutMs);
  if (socket.alpnProtocol !== 'h2') {
    socket.destroy();
    return 'http/1.1';
  }
  const session = http2Connect(exchange.url.origin, { createConnection: () => socket });
  const forget = () => {
    if (connections.get(exchange.key) === current) connections.delete(exchange.key);
  };
  const current = Promise.resolve<Connection>(session);
  session.on('close', forget);
  session.on('goaway', forget);
  session.on('error', forget);
  // An idle session closes after the keep-alive time (its streams finish first), and keeps
  // the process alive only while a request is in flight (see exchangeHttp2).
  session.setTimeout(keepAliveMs, () => session.close());
  session.unref();
  connections.set(exchange.key, current);
  return session;
}

function connection(exchange: Http2Exchange): Promise<Connection> {
  let known = connections.get(exchange.key);
  if (!known) {
    known = open(exchange);
    connections.set(exchange.key, known);
    // A failed connection attempt is not remembered: the next request tries again.
    known.catch(() => {
      if (connections.get(exchange.key) === known) connections.delete(exchange.key);
    });
  }
  return known;
}

const streamsInFlight = new WeakMap<ClientHttp2Session, number>();

/** Counts a session's requests in flight: the session keeps the process alive while there is one. */
function inFlight(session: ClientHttp2Session, change: 1 | -1): void {
  const count = (streamsInFlight.get(session) ?? 0) + change;
  streamsInFlight.set(session, count);
  if (count === 1 && change === 1) session.ref();
  if (count === 0) session.unref();
}

/** Stream and session failures that leave the request unanswered: another try on a new session may succeed. */
const droppedCodes = new Set(['ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_INVALID_SESSION', 'ERR_HTTP2_SESSION_ERROR', 'ERR_HTTP2_STREAM_CANCEL', 'ERR_HTTP2_STREAM_ERROR', 'ERR_HTTP2_ERROR']);

function responseHeaders(headers: IncomingHttpHeaders): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers)) if (!name.startsWith(':')) out[name] = value;
  return out;
}

/**
 * One request over the origin's HTTP/2 session; undefined when the origin speaks only
 * HTTP/1.1. Connection failures are thrown as they come (the caller classifies them);
 * a dropped session or refused stream is a TransientError.
 */
export async function exchangeHttp2(exchange: Http2Exchange): Promise<Http2Answer | undefined> {
  let session = await connection(exchange);
  if (session !== 'http/1.1' && (session.closed || session.destroyed)) {
    // Gone between two requests, before its close was seen here.
    connections.delete(exchange.key);
    session = await connection(exchange);
  }
  if (session === 'http/1.1') return undefined;
  const open = session;
  return new Promise<Http2Answer>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      const code = (error as { code?: string }).code ?? '';
      reject(droppedCodes.has(code) ? new TransientError(exchange.unreachable(error), { cause: error, hint: exchange.hint }) : error);
    };
    if (exchange.signal.aborted) return reject(exchange.signal.reason as Error);
    let stream;
    try {
      stream = open.request({ ':method': exchange.method, ':path': `${exchange.url.pathname}${exchange.url.search}`, ...exchange.headers }, { endStream: exchange.body === undefined });
    } catch (error) {
      return fail(error as Error);
    }
    inFlight(open, +1);
    stream.once('close', () => inFlight(open, -1));
    const cancel = () => stream.close(constants.NGHTTP2_CANCEL);
    exchange.signal.addEventListener('abort', cancel, { once: true });
    const chunks: Buffer[] = [];
    let length = 0;
    let status = 0;
    let headers: Record<string, string | string[] | undefined> = {};
    stream.setTimeout(exchange.idleTimeoutMs, () => {
      fail(Object.assign(new Error(`no data for ${exchange.idleTimeoutMs} ms`), { code: 'UND_ERR_BODY_TIMEOUT' }));
      cancel();
    });
    stream.on('response', (h) => {
      status = Number(h[':status']);
      headers = responseHeaders(h);
      exchange.onHeaders();
    });
    stream.on('data', (chunk: Buffer) => {
      if (!exchange.readBody || length > exchange.maxBody) return;
      length += chunk.length;
      chunks.push(chunk);
    });
    stream.on('end', () => {
      exchange.signal.removeEventListener('abort', cancel);
      settled = true;
      resolve({ status, headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
    });
    stream.on('error', (error) => {
      exchange.signal.removeEventListener('abort', cancel);
      fail(error);
    });
    // Closed before its end (after it, this changes nothing): cancelled (a deadline or an
    // abort, which the caller reports) or reset by the server.
    stream.on('close', () => fail(Object.assign(new Error(`stream closed with code ${stream.rstCode}`), { code: 'ERR_HTTP2_STREAM_ERROR' })));
    if (exchange.body !== undefined) stream.end(exchange.body);
  });
}
