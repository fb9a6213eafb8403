// Small HTTP probes the stack uses to tell whether a part answers.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';

export interface ProbeResponse {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export function httpGet(
  url: string,
  options: RequestOptions & { socketPath?: string } = {},
  timeoutMs = 3000,
): Promise<ProbeResponse> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(target, { ...options, method: options.method ?? 'GET', timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs}ms: ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

export async function answers(url: string, options: RequestOptions & { socketPath?: string } = {}): Promise<boolean> {
  try {
    const res = await httpGet(url, options);
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
}
