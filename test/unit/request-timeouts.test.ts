// Every door's requests end: a server that accepts the connection and never answers (as a
// SIGSTOPped process does) fails the request within its timeout, naming the system and
// address. Retries: only transient failures, with jitter, a bounded number of times.
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotent, KubeClient } from '../../pipelines/adapters/kube.js';
import { RegistryClient } from '../../pipelines/adapters/registry.js';
import { RequestTimeoutError, TransientError, withRetry } from '../../pipelines/adapters/retry.js';
import { ExternalError } from '../../pipelines/errors.js';
import { httpGate, prometheusGate } from '../../pipelines/rollout/gates.js';

let silent: Server;
let port = 0;
const sockets: Socket[] = [];

beforeAll(async () => {
  silent = createServer((socket) => sockets.push(socket)); // accepts, never answers
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as { port: number }).port;
});
afterAll(() => {
  for (const s of sockets) s.destroy();
  silent.close();
});

function kubeconfigFor(server: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'shipline-kc-'));
  const file = join(dir, 'kubeconfig');
  writeFileSync(file, `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "${server}", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: abc } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`);
  return file;
}

describe('timeouts', () => {
  it('the Kubernetes API: a silent server fails the request within the deadline', async () => {
    const client = KubeClient.load(kubeconfigFor(`https://127.0.0.1:${port}`));
    const started = Date.now();
    const error = await client.request('GET', '/api', { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect((error as Error).message).toBe(`the Kubernetes API at https://127.0.0.1:${port} did not answer GET /api within 0.5s`);
  });

  it('the Kubernetes API: SHIPLINE_TIMEOUT sets the default deadline', async () => {
    process.env.SHIPLINE_TIMEOUT = '0.4';
    try {
      const client = KubeClient.load(kubeconfigFor(`https://127.0.0.1:${port}`));
      const started = Date.now();
      await expect(client.request('GET', '/apis')).rejects.toThrow(/did not answer GET \/apis within 0.4s/);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      delete process.env.SHIPLINE_TIMEOUT;
    }
  });

  it('the registry: a silent server fails the request within the timeout, not after retries', async () => {
    process.env.SHIPLINE_TIMEOUT = '0.5';
    try {
      const client = new RegistryClient(`127.0.0.1:${port}`);
      const started = Date.now();
      const error = await client.tags('team/app').catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(error).toBeInstanceOf(RequestTimeoutError);
      expect((error as Error).message).toBe(`registry 127.0.0.1:${port} did not answer GET /v2/team/app/tags/list (silent for 0.5s)`);
    } finally {
      delete process.env.SHIPLINE_TIMEOUT;
    }
  });
});

describe('gates: a silent server fails the check, not the process', () => {
  it('http gate', async () => {
    const started = Date.now();
    const result = await httpGate(`http://127.0.0.1:${port}/healthz`, '300ms');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result).toEqual({ gate: `http http://127.0.0.1:${port}/healthz`, ok: false, detail: `http://127.0.0.1:${port}/healthz gave no answer within 300ms` });
  });

  it('prometheus gate', async () => {
    process.env.SHIPLINE_TIMEOUT = '0.5';
    try {
      const started = Date.now();
      const result = await prometheusGate({ url: `http://127.0.0.1:${port}`, query: 'up', max: 1 });
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(result.ok).toBe(false);
      expect(result.detail).toBe(`Prometheus at http://127.0.0.1:${port} did not answer: no answer within 0.5s`);
    } finally {
      delete process.env.SHIPLINE_TIMEOUT;
    }
  });
});

describe('retries', () => {
  const policy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

  it('retries a transient failure and returns the later success', async () => {
    let tries = 0;
    const value = await withRetry(policy, async () => {
      if (++tries < 3) throw new TransientError('reset');
      return 'ok';
    });
    expect([value, tries]).toEqual(['ok', 3]);
  });

  it('gives up after the policy\'s tries', async () => {
    let tries = 0;
    await expect(withRetry(policy, () => (tries++, Promise.reject(new TransientError('503'))))).rejects.toThrow('503');
    expect(tries).toBe(3);
  });

  it('never retries a timeout or a plain failure', async () => {
    for (const error of [new RequestTimeoutError('hung'), new ExternalError('404')]) {
      let tries = 0;
      await expect(withRetry(policy, () => (tries++, Promise.reject(error)))).rejects.toBe(error);
      expect(tries).toBe(1);
    }
  });

  it('retries only idempotent Kubernetes requests', () => {
    expect(idempotent('GET')).toBe(true);
    expect(idempotent('PATCH', 'application/apply-patch+yaml')).toBe(true);
    expect(idempotent('PATCH', 'application/merge-patch+json')).toBe(false);
    expect(idempotent('POST')).toBe(false);
    expect(idempotent('PUT')).toBe(false);
    expect(idempotent('DELETE')).toBe(false);
  });

  it('a refused connection to the registry is retried, then named with its address', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freed = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const client = new RegistryClient(`127.0.0.1:${freed}`, { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 10 } });
    const error = await client.tags('team/app').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(new RegExp(`GET tags of team/app: GET http://127.0.0.1:${freed}/v2/team/app/tags/list: connect ECONNREFUSED .*gave up after 3 tries`));
  });
});
