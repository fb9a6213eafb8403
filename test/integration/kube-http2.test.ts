// The Kubernetes door speaks HTTP/2 as kubectl does: one session carries a command's
// concurrent requests; a session the server drops is replaced; an API server behind a
// front that speaks only HTTP/1.1 is still answered. The fronts here forward every
// request to the stack's real kube-apiserver (with the admin's client certificate) and
// count what they see: the answers are the apiserver's own.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import { createServer as createHttpsServer, request as httpsRequest, type Server as HttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../pipelines/adapters/kube.js';
import { RequestTimeoutError } from '../../pipelines/adapters/http/index.js';
import { paths } from '../../pipelines/stack/layout.js';

const pki = paths.pki();
const serverIdentity = { cert: readFileSync(join(pki, 'apiserver.crt')), key: readFileSync(join(pki, 'apiserver.key')) };
const admin = { ca: readFileSync(join(pki, 'ca.crt')), cert: readFileSync(join(pki, 'admin.crt')), key: readFileSync(join(pki, 'admin.key')) };
const apiserver = new URL(KubeClient.load(paths.kubeconfig()).server);
const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host']);

/** Sends the request on to the real apiserver and its answer back. */
function forward(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !name.startsWith(':') && !hopByHop.has(name)));
  const upstream = httpsRequest({ host: apiserver.hostname, port: apiserver.port, method: req.method, path: req.url, headers, ...admin }, (answer) => {
    const back = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !hopByHop.has(name)));
    res.writeHead(answer.statusCode ?? 502, back as Record<string, string>);
    answer.pipe(res as NodeJS.WritableStream);
  });
  upstream.on('error', () => res.writeHead(502).end());
  (req as NodeJS.ReadableStream).pipe(upstream);
}

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

async function listen(server: Http2SecureServer | HttpsServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return (server.address() as { port: number }).port;
}

/** A kubeconfig like the stack's, with its server at the front's port. */
function clientOf(port: number): KubeClient {
  const file = join(mkdtempSync(join(tmpdir(), 'shipline-kube-h2-')), 'kubeconfig');
  writeFileSync(file, readFileSync(paths.kubeconfig(), 'utf8').replace(apiserver.origin, `https://127.0.0.1:${port}`));
  return KubeClient.load(file);
}

const configMap = (name: string, namespace: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { n: name } });
const suffix = randomBytes(3).toString('hex');

afterAll(async () => {
  const kube = KubeClient.load(paths.kubeconfig());
  for (let i = 0; i < 2; i++) await kube.delete(configMap(`h2-${suffix}-${i}`, 'default')).catch(() => undefined);
});

describe('Kubernetes door over HTTP/2', () => {
  it('carries 40 concurrent requests of one client on one session, answered by the real apiserver', async () => {
    const sessions: ServerHttp2Session[] = [];
    const methods: string[] = [];
    const front = createSecureServer(serverIdentity, (req, res) => {
      methods.push(req.method);
      forward(req, res);
    });
    front.on('session', (session: ServerHttp2Session) => sessions.push(session));
    const kube = clientOf(await listen(front));
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => kube.applyResult(configMap(`h2-${suffix}-${i}`, 'default'), { fieldManager: 'shipline-test', dryRun: true })),
    );
    expect(answers.map((a) => a.object.metadata.name)).toEqual(Array.from({ length: 40 }, (_, i) => `h2-${suffix}-${i}`));
    expect(answers.every((a) => a.created)).toBe(true); // a dry-run of objects that do not exist: 201 each
    // The 40 applies and the discovery read that resolved their resource.
    expect(methods.filter((m) => m === 'PATCH')).toHaveLength(40);
    expect(methods.filter((m) => m !== 'PATCH')).toEqual(['GET']);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.alpnProtocol).toBe('h2');
    sessions.forEach((s) => s.destroy());
  });

  it('opens a new session when the server drops the one it had, and a read is answered', async () => {
    const sessions: ServerHttp2Session[] = [];
    const front = createSecureServer(serverIdentity, forward);
    front.on('session', (session: ServerHttp2Session) => sessions.push(session));
    const kube = clientOf(await listen(front));
    const created = await kube.apply(configMap(`h2-${suffix}-0`, 'default'), { fieldManager: 'shipline-test' });
    expect(created.data).toEqual({ n: `h2-${suffix}-0` });
    sessions[0]!.destroy(); // the server goes away between two requests
    const read = await kube.get<KubeObject & { data?: unknown }>(configMap(`h2-${suffix}-0`, 'default'));
    expect(read?.data).toEqual({ n: `h2-${suffix}-0` });
    expect(sessions).toHaveLength(2);
    sessions.forEach((s) => s.destroy());
  });

  it('answers through a front that speaks only HTTP/1.1 (no h2 in its handshake)', async () => {
    const versions: string[] = [];
    const front = createHttpsServer(serverIdentity, (req, res) => {
      versions.push(req.httpVersion);
      forward(req, res);
    });
    const kube = clientOf(await listen(front));
    const applied = await kube.apply(configMap(`h2-${suffix}-1`, 'default'), { fieldManager: 'shipline-test' });
    expect(applied.metadata.name).toBe(`h2-${suffix}-1`);
    const read = await kube.get<KubeObject & { data?: unknown }>(configMap(`h2-${suffix}-1`, 'default'));
    expect(read?.data).toEqual({ n: `h2-${suffix}-1` });
    // Discovery, the apply, the read.
    expect(versions).toEqual(['1.1', '1.1', '1.1']);
    front.closeAllConnections();
  });

  it('gives up on a server that stays silent, before or after its headers, within the request deadline', async () => {
    const front = createSecureServer(serverIdentity, (req, res) => {
      if (req.url === '/stalls-body') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"partial":');
      }
      // Otherwise: never answers.
    });
    const kube = clientOf(await listen(front));
    for (const path of ['/silent', '/stalls-body']) {
      const started = performance.now();
      const error = await kube.request('GET', path, { timeoutMs: 300, once: true }).catch((e: unknown) => e);
      expect(error, path).toBeInstanceOf(RequestTimeoutError);
      expect((error as Error).message).toContain(`did not answer GET ${path} within 0.3s`);
      // The deadline, plus scheduling on a loaded 2-core machine (generous: a hang would be 30 s).
      expect(performance.now() - started).toBeLessThan(5_000);
    }
  });
});
