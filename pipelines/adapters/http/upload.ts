// A streamed upload through the door (registry blobs of a bundle import): the body's
// chunks are lent by a buffer pool and released only once written to the socket, which
// undici's body writer cannot tell, so this one path speaks node:http on the door's
// kept-alive agents, under the same deadlines and failure types as send().
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { released } from '../../buffer-pool.js';
import { ExternalError } from '../../errors.js';
import { detail } from '../../verbosity.js';
import { nodeAgentFor } from './dispatchers.js';
import { TransientError, transientNetworkError } from './policy.js';
import type { HttpRequest, HttpResponse } from './request.js';

/** Bytes of a streamed body queued for the socket before the source pauses: one 4 MiB frame. */
const maxQueued = 4 * 1024 * 1024;
const defaultMaxBody = 16 * 1024 * 1024;

export function upload(req: Omit<HttpRequest, 'body' | 'proxyFromEnv' | 'http2' | 'socketPath'> & { body: Readable }): Promise<HttpResponse> {
  const tls = req.url.protocol === 'https:';
  return new Promise<HttpResponse>((resolve, reject) => {
    const source = req.body;
    const fail = (error: Error) => {
      source.pause();
      source.destroy();
      if (error instanceof ExternalError) return reject(error);
      const message = req.unreachable(error);
      reject(transientNetworkError(error) ? new TransientError(message, { cause: error, hint: req.hint }) : new ExternalError(message, { cause: error, hint: req.hint }));
    };
    const started = performance.now();
    const onResponse = (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      detail(`${req.method} ${req.url.pathname} → ${status} (${Math.round(performance.now() - started)} ms)`);
      const chunks: Buffer[] = [];
      let length = 0;
      res.on('data', (chunk: Buffer) => {
        if (req.readBody === false || length > (req.maxBody ?? defaultMaxBody)) return;
        length += chunk.length;
        chunks.push(chunk);
      });
      res.on('end', () => {
        // The server answered before taking the whole body (an error): stop sending.
        if (!source.readableEnded) {
          source.pause();
          source.destroy();
          clientReq.destroy();
        }
        resolve({ status, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', fail);
    };
    const options = { method: req.method, headers: req.headers, agent: nodeAgentFor(tls ? 'https:' : 'http:', { tls: req.tls }) };
    const clientReq = tls ? httpsRequest(req.url, options, onResponse) : httpRequest(req.url, options, onResponse);
    clientReq.on('error', fail);
    clientReq.setTimeout(req.idleTimeoutMs, () => clientReq.destroy(req.timedOut(req.idleTimeoutMs / 1000, 'idle')));
    source.on('error', (error) => {
      clientReq.destroy();
      reject(error);
    });
    // As pipe() does, with each chunk released once written out: the bundle reader lends
    // its frame buffers and takes them back for the next frames (pipelines/buffer-pool.ts).
    // The chunks that arrive together (a frame's 128 KiB blocks) go out in one writev:
    // the request is corked until the event loop turns, and the source pauses only once a
    // frame's worth is queued. Writing them one by one cost a fifth of the import's CPU.
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
      uncork();
      clientReq.end();
    });
  });
}
