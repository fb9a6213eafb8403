// HTTP transport for the registry client: keep-alive agents, streamed request bodies, a
// timeout on silence, and a typed error that says whether retrying could help.
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { ExternalError } from '../../errors.js';
import { released } from '../../buffer-pool.js';
import { RequestTimeoutError, requestTimeoutMs, TransientError, transientNetworkError } from '../retry.js';
import { detail } from '../../verbosity.js';

export { RequestTimeoutError, TransientError };

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 16 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 16 });

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** A buffer, or a stream opened fresh for this attempt. */
  body?: Buffer | Readable;
  /** Read the response body (false for HEAD or when only status and headers matter). */
  readBody?: boolean;
  /** Bytes of response body kept at most (default 4 MiB, the registry's manifest limit). */
  maxBody?: number;
  /** Fails when the server sends or takes no byte for this long (default SHIPLINE_TIMEOUT, else 30 s). */
  idleTimeoutMs?: number;
}

const maxBody = 4 * 1024 * 1024;
/** Bytes of a streamed body queued for the socket before the source pauses: one 4 MiB frame. */
const maxQueued = 4 * 1024 * 1024;

export function send(req: HttpRequest): Promise<HttpResponse> {
  const tls = req.url.protocol === 'https:';
  const headers: Record<string, string> = { ...req.headers };
  if (Buffer.isBuffer(req.body)) headers['content-length'] = String(req.body.length);
  return new Promise<HttpResponse>((resolve, reject) => {
    const where = `${req.method} ${req.url.origin}${req.url.pathname}`;
    const fail = (error: Error) => {
      source?.pause();
      source?.destroy();
      if (error instanceof ExternalError) reject(error);
      else if (transientNetworkError(error)) reject(new TransientError(`${where}: ${error.message}`, { cause: error }));
      else reject(new ExternalError(`${where}: ${error.message}`, { cause: error }));
    };
    const started = performance.now();
    const onResponse = (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      detail(`${where} → ${status} (${Math.round(performance.now() - started)} ms)`);
      const chunks: Buffer[] = [];
      let length = 0;
      res.on('data', (chunk: Buffer) => {
        if (req.readBody === false || length > (req.maxBody ?? maxBody)) return;
        length += chunk.length;
        chunks.push(chunk);
      });
      res.on('end', () => {
        // The registry answered before taking the whole body (an error): stop sending.
        if (source && !source.readableEnded) {
          source.pause();
          source.destroy();
          clientReq.destroy();
        }
        resolve({ status, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', fail);
    };
    const options = { method: req.method, headers, agent: tls ? httpsAgent : httpAgent };
    const clientReq = tls ? httpsRequest(req.url, options, onResponse) : httpRequest(req.url, options, onResponse);
    clientReq.on('error', fail);
    const idle = req.idleTimeoutMs ?? requestTimeoutMs(30_000);
    clientReq.setTimeout(idle, () => {
      clientReq.destroy(new RequestTimeoutError(`registry ${req.url.host} did not answer ${req.method} ${req.url.pathname} (silent for ${idle / 1000}s)`, {
        hint: `check that the registry at ${req.url.origin} is up and not overloaded; a re-run uploads only what is missing (SHIPLINE_TIMEOUT sets the limit in seconds)`,
      }));
    });
    const source = req.body && !Buffer.isBuffer(req.body) ? req.body : undefined;
    if (source) {
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
    } else {
      clientReq.end(req.body);
    }
  });
}

interface RegistryErrorBody {
  errors?: { code?: string; message?: string; detail?: unknown }[];
}

/** The registry's error codes and messages from a JSON error body, for messages. */
export function registryErrors(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as RegistryErrorBody;
    const parts = (parsed.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': '));
    return parts.join('; ');
  } catch {
    return body.toString('utf8').slice(0, 200).trim();
  }
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
