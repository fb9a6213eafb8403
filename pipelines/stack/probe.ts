// Small HTTP probes the stack uses to tell whether a part answers, through the HTTP door.
import { RequestTimeoutError, send, type Headers, type TlsOptions } from '../adapters/http/index.js';

export interface ProbeResponse {
  status: number;
  body: string;
  headers: Headers;
}

export interface ProbeOptions extends TlsOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Ask the server on a unix socket (the URL's host is then only a name). */
  socketPath?: string;
}

export async function httpGet(url: string, options: ProbeOptions = {}, timeoutMs = 3000): Promise<ProbeResponse> {
  const { method, headers, socketPath, ...tls } = options;
  const res = await send({
    method: method ?? 'GET',
    url: new URL(url),
    headers,
    tls,
    socketPath,
    idleTimeoutMs: timeoutMs,
    totalTimeoutMs: timeoutMs,
    timedOut: () => new RequestTimeoutError(`timeout after ${timeoutMs}ms: ${url}`),
    unreachable: (error) => `${url}: ${error.message}`,
  });
  return { status: res.status, body: res.body.toString('utf8'), headers: res.headers };
}

export async function answers(url: string, options: ProbeOptions = {}): Promise<boolean> {
  try {
    const res = await httpGet(url, options);
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
}
