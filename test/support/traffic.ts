// Requests through the stack's data plane (Traefik on 127.0.0.1), as users send them:
// a Host header picks the route, and each answer of the sample service names the
// version that served it.
import { Agent, request } from 'node:http';
import { ports } from '../../pipelines/stack/layout.js';

export interface Answer {
  status: number;
  /** The "version" field of the sample service's JSON answer, or the body's first line. */
  version: string;
  error?: string;
}

export interface SendOptions {
  host: string;
  path?: string;
  headers?: Record<string, string>;
  concurrency?: number;
  /** Another address than the stack's Traefik entry point. */
  port?: number;
}

function once(agent: Agent, options: SendOptions): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(
      { agent, host: '127.0.0.1', port: options.port ?? ports.traefikWeb, path: options.path ?? '/cgi-bin/version', headers: { host: options.host, ...options.headers }, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let version = body.split('\n')[0] ?? '';
          try {
            version = (JSON.parse(body) as { version?: string }).version ?? version;
          } catch {
            /* not JSON: keep the first line */
          }
          resolve({ status: res.statusCode ?? 0, version, ...(res.statusCode !== 200 && !body.startsWith('{') ? { error: body.slice(0, 80).trim() } : {}) });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 10s')));
    req.on('error', (error) => resolve({ status: 0, version: '', error: error.message }));
    req.end();
  });
}

/** Sends `count` requests, `concurrency` at a time, and returns every answer. */
export async function send(count: number, options: SendOptions): Promise<Answer[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency ?? 8 });
  const answers: Answer[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      answers.push(await once(agent, options));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  agent.destroy();
  return answers;
}

/** Share of answers per version, in percent; errors and non-2xx under their status. */
export function shares(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) {
    const key = a.status >= 200 && a.status < 300 ? a.version : `status ${a.status}${a.error ? ` (${a.error})` : ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, (v / answers.length) * 100]));
}
