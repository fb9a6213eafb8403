// Requests on node:http through the door, on its kept-alive agents, under the same
// deadlines and failure types as send(): streamed uploads (registry blobs of a bundle
// import), whose chunks are lent by a buffer pool and released only once written to the
// socket, which undici's body writer cannot tell; and the registry's other requests where
// no proxy applies (sendPlain).
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { released } from '../../buffer-pool.js';
import { ExternalError } from '../../errors.js';
import { detail } from '../../verbosity.js';
import { nodeAgentFor } from './node-agents.js';
import { TransientError, transientNetworkError } from './policy.js';
import type { HttpRequest, HttpResponse } from './request.js';

/** Bytes of a streamed body queued for the socket before the source pauses: one 4 MiB frame. */
const maxQueued = 4 * 1024 * 1024;
const defaultMaxBody = 16 * 1024 * 1024;

/**
 * A body read batch by batch (a bundle frame's parts): each batch goes out in one writev,
 * with no stream between the reader and the socket; each chunk is released once written.
 */
export interface BatchedBody {
  batches: () => AsyncIterable<Buffer[]>;
}

export type UploadBody = Readable | BatchedBody;

async function* chunksOf(batches: AsyncIterable<Buffer[]>): AsyncGenerator<Buffer> {
  for await (const batch of batches) yield* batch;
}

/** The body as a stream, to be read again (e.g. hashed after a refusal). */
export function bodyStream(body: UploadBody): Readable {
  return body instanceof Readable ? body : Readable.from(chunksOf(body.batches()), { objectMode: false });
}

type NodeRequest = Omit<HttpRequest, 'body' | 'proxyFromEnv' | 'http2' | 'socketPath' | 'totalTimeoutMs'>;

/** A streamed body (a stream, or batches) sent as it is read. */
export function upload(req: NodeRequest & { body: UploadBody }): Promise<HttpResponse> {
  const body = req.body;
  return exchange(req, (clientReq, ended, failed) => (body instanceof Readable ? pipeStream(body, clientReq, ended, failed) : pumpBatches(body.batches(), clientReq, ended, failed)));
}

/**
 * A request with a body in memory, or none, on node:http: what the registry client sends
 * where no proxy applies (undici, which the door's send() uses, needs its WebAssembly HTTP
 * parser compiled first: tens of milliseconds of a command's start, on a loaded machine).
 */
export function sendPlain(req: NodeRequest & { body?: string | Buffer }): Promise<HttpResponse> {
  return exchange(req, (clientReq, ended) => {
    ended();
    clientReq.end(req.body);
    return () => undefined;
  });
}

/** Starts sending the body: `ended` once it is all written, `failed` if reading it failed; returns what stops it. */
type BodySender = (clientReq: ClientRequest, ended: () => void, failed: (error: Error) => void) => () => void;

function exchange(req: NodeRequest, sendBody: BodySender): Promise<HttpResponse> {
  const tls = req.url.protocol === 'https:';
  return new Promise<HttpResponse>((resolve, reject) => {
    let stopSource: () => void = () => undefined;
    let sourceEnded = false;
    const fail = (error: Error) => {
      stopSource();
      if (error instanceof ExternalError) return reject(error);
      const message = req.unreachable(error);
      reject(transientNetworkError(error) ? new TransientError(message, { cause: error, hint: req.hint }) : new ExternalError(message, { cause: error, hint: req.hint }));
    };
    const started = performance.now();
    const onResponse = (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      detail(`${req.method} ${req.url.pathname}${req.url.search} → ${status} (${Math.round(performance.now() - started)} ms)`);
      // The server answered before taking the whole body (an error): stop sending.
      const stopSending = () => {
        if (sourceEnded) return;
        stopSource();
        clientReq.destroy();
      };
      if (req.sink && status === 200) {
        req.sink(res).then(
          () => (stopSending(), resolve({ status, headers: res.headers, body: Buffer.alloc(0) })),
          (error: unknown) => (stopSending(), clientReq.destroy(), fail(error as Error)),
        );
        return;
      }
      const chunks: Buffer[] = [];
      let length = 0;
      res.on('data', (chunk: Buffer) => {
        if (req.readBody === false || length > (req.maxBody ?? defaultMaxBody)) return;
        length += chunk.length;
        chunks.push(chunk);
      });
      res.on('end', () => {
        stopSending();
        resolve({ status, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', fail);
    };
    const options = { method: req.method, headers: req.headers, agent: nodeAgentFor(tls ? 'https:' : 'http:', { tls: req.tls }) };
    const clientReq = tls ? httpsRequest(req.url, options, onResponse) : httpRequest(req.url, options, onResponse);
    clientReq.on('error', fail);
    clientReq.setTimeout(req.idleTimeoutMs, () => clientReq.destroy(req.timedOut(req.idleTimeoutMs / 1000, 'idle')));
    const sourceFailed = (error: Error) => {
      clientReq.destroy();
      reject(error);
    };
    stopSource = sendBody(clientReq, () => (sourceEnded = true), sourceFailed);
  });
}

/**
 * As pipe() does, with each chunk released once written: the bundle reader lends its
 * frame buffers and takes them back for the next frames (pipelines/buffer-pool.ts). The
 * chunks that arrive together go out in one writev: the request is corked until the
 * event loop turns, and the source pauses only once a frame's worth is queued. Writing
 * them one by one cost a fifth of the import's CPU. Returns what stops the source.
 */
function pipeStream(source: Readable, clientReq: ClientRequest, ended: () => void, failed: (error: Error) => void): () => void {
  source.on('error', failed);
  let corked = false;
  const uncork = () => {
    if (!corked) return;
    corked = false;
    clientReq.uncork();
  };
  source.on('data', (chunk: Buffer) => {
    if (!corked) {
      corked = true;
      clientReq.cork();
      setImmediate(uncork);
    }
    clientReq.write(chunk, (error) => error || released(chunk));
    if (clientReq.writableLength >= maxQueued) source.pause();
  });
  clientReq.on('drain', () => source.resume());
  source.on('end', () => {
    ended();
    uncork();
    clientReq.end();
  });
  return () => {
    source.pause();
    source.destroy();
  };
}

/** Each batch in one writev; the next is read once less than a frame's worth is queued. */
function pumpBatches(batches: AsyncIterable<Buffer[]>, clientReq: ClientRequest, ended: () => void, failed: (error: Error) => void): () => void {
  const iterator = batches[Symbol.asyncIterator]();
  let stopped = false;
  const drained = () => new Promise<void>((resolve) => {
    const done = () => {
      clientReq.off('drain', done);
      clientReq.off('close', done);
      resolve();
    };
    clientReq.on('drain', done);
    clientReq.on('close', done);
  });
  const pump = async () => {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      if (stopped) return;
      clientReq.cork();
      for (const chunk of next.value) clientReq.write(chunk, (error) => error || released(chunk));
      clientReq.uncork();
      if (clientReq.writableLength >= maxQueued) await drained();
      if (stopped || clientReq.destroyed) return;
    }
    ended();
    clientReq.end();
  };
  pump().catch((error: unknown) => {
    if (!stopped) failed(error as Error);
  });
  return () => {
    if (stopped) return;
    stopped = true;
    void iterator.return?.()?.catch(() => undefined);
  };
}
