// The registry client's requests through the HTTP door (pipelines/adapters/http): proxies
// from the environment, a timeout on silence, streamed uploads, and a typed error that
// says whether retrying could help.
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
// The door's parts, not its index: the registry's requests load undici only where a proxy may apply.
import { mayProxy, RequestTimeoutError, requestTimeoutMs, TransientError } from '../http/policy.js';
import type { Headers } from '../http/request.js';
import { sendPlain, upload, type UploadBody } from '../http/upload.js';

export { RequestTimeoutError, TransientError };

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** A buffer, or a stream (or batches) opened fresh for this attempt. */
  body?: Buffer | UploadBody;
  /** Read the response body (false for HEAD or when only status and headers matter). */
  readBody?: boolean;
  /** Bytes of response body kept at most (default 4 MiB, the registry's manifest limit). */
  maxBody?: number;
  /** Fails when the server sends or takes no byte for this long (default SHIPLINE_TIMEOUT, else 30 s). */
  idleTimeoutMs?: number;
  /** A 200's body is streamed here instead of being read into memory. */
  sink?: (body: Readable) => Promise<void>;
}

const maxBody = 4 * 1024 * 1024;

export async function send(req: HttpRequest): Promise<HttpResponse> {
  const idle = req.idleTimeoutMs ?? requestTimeoutMs(30_000);
  const common = {
    method: req.method,
    url: req.url,
    headers: req.headers,
    readBody: req.readBody,
    maxBody: req.maxBody ?? maxBody,
    sink: req.sink,
    idleTimeoutMs: idle,
    timedOut: () =>
      new RequestTimeoutError(`registry ${req.url.host} did not answer ${req.method} ${req.url.pathname} (silent for ${idle / 1000}s)`, {
        hint: `check that the registry at ${req.url.origin} is up and not overloaded; a re-run uploads only what is missing (SHIPLINE_TIMEOUT sets the limit in seconds)`,
      }),
    unreachable: (error: Error) => `${req.method} ${req.url.origin}${req.url.pathname}: ${error.message}`,
  };
  if (req.body && !Buffer.isBuffer(req.body)) return upload({ ...common, body: req.body });
  if (!mayProxy(req.url)) return sendPlain({ ...common, body: req.body });
  const door = await import('../http/request.js');
  return door.send({ ...common, body: req.body, proxyFromEnv: true });
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

export function headerValue(headers: Headers | IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
