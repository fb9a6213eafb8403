// The HTTP door (pipelines/adapters/http): every HTTP client goes through it, connections
// are kept alive per origin, proxies come from the environment only where asked (never
// for loopback), unix sockets work, deadlines hold. Also: no other module opens HTTP.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestTimeoutError, send, type HttpRequest } from '../../pipelines/adapters/http/index.js';
import { projectRoot } from '../../pipelines/project-root.js';

const door = 'pipelines/adapters/http/';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return /\.(ts|mts|cts|js|mjs|cjs)$/.test(entry.name) ? [path] : [];
  });
}

/** fetch(), http(s).request/get, new Agent, and value imports of node:http(s), http2 or undici. */
const opensHttp = [
  /\bfetch\s*\(/,
  /\bhttps?\.(?:request|get)\s*\(/,
  /\bnew\s+(?:\w+\.)?Agent\s*\(/,
  /^\s*import\s+(?!type\b)[^;]*\bfrom\s+['"](?:node:)?(?:https?|http2|undici)['"]/,
  /(?:import|require)\s*\(\s*['"](?:node:)?(?:https?|http2|undici)['"]/,
];

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void, listen: (server: Server) => Promise<void>): Promise<Server> {
  const server = createServer(handler);
  await listen(server);
  servers.push(server);
  return server;
}
const onLoopback = (server: Server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const portOf = (server: Server) => (server.address() as { port: number }).port;

const servers: Server[] = [];
const saved = { ...process.env };
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy']) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

const get = (url: string, extra: Partial<HttpRequest> = {}) =>
  send({
    method: 'GET',
    url: new URL(url),
    idleTimeoutMs: 2_000,
    timedOut: (s) => new RequestTimeoutError(`silent for ${s}s`),
    unreachable: (error) => `unreachable: ${error.message}`,
    ...extra,
  });

describe('HTTP door', () => {
  it('is the only module that opens HTTP connections (fetch, http.request, new Agent, undici)', () => {
    const files = ['scripts', 'pipelines', 'manifests'].flatMap((dir) => sources(join(projectRoot, dir)));
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.flatMap((file) => {
      const path = relative(projectRoot, file);
      // The benchmarks' fixtures are independent observers like the tests (a load generator, a
      // throwaway registry's readiness poll): they must not share shipline's door.
      if (path.startsWith(door) || path.startsWith(join('scripts', 'bench', 'fixtures'))) return [];
      return readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (opensHttp.some((pattern) => pattern.test(line)) ? [`${path}:${i + 1}: ${line.trim()}`] : []));
    });
    expect(offenders).toEqual([]);
    // The patterns find what the door itself does.
    const doorText = sources(join(projectRoot, door)).map((f) => readFileSync(f, 'utf8')).join('\n').split('\n');
    for (const pattern of [opensHttp[2]!, opensHttp[3]!]) expect(doorText.some((line) => pattern.test(line))).toBe(true);
  });

  it('keeps connections alive per origin across requests', async () => {
    const sockets = new Set<unknown>();
    const server = await serve((req, res) => (sockets.add(req.socket), res.end('ok')), onLoopback);
    for (let i = 0; i < 10; i++) expect((await get(`http://127.0.0.1:${portOf(server)}/x`)).body.toString()).toBe('ok');
    // The pool may open a second connection while the first finishes its answer; never one per request.
    expect(sockets.size).toBeLessThanOrEqual(2);
  });

  it('goes through HTTP_PROXY where the client asks for it, except NO_PROXY hosts and loopback', async () => {
    // The proxy tunnels (CONNECT) every host to one local server, as a real proxy would to the host named.
    const proxied: string[] = [];
    const upstream = await serve((_req, res) => res.end('via proxy'), onLoopback);
    const proxy = await serve((_req, res) => res.end('not a tunnel'), onLoopback);
    proxy.on('connect', (req: IncomingMessage, client: Socket) => {
      proxied.push(req.url ?? '');
      const target = connect(portOf(upstream), '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        target.pipe(client).pipe(target);
      });
      client.on('error', () => target.destroy());
    });
    const direct = await serve((_req, res) => res.end('direct'), onLoopback);
    process.env.HTTP_PROXY = `http://127.0.0.1:${portOf(proxy)}`;
    process.env.NO_PROXY = 'unproxied.example';
    const viaProxy = await get('http://registry.example:5000/v2/', { proxyFromEnv: true });
    expect([viaProxy.body.toString(), proxied]).toEqual(['via proxy', ['registry.example:5000']]);
    expect((await get(`http://127.0.0.1:${portOf(direct)}/v2/`, { proxyFromEnv: true })).body.toString()).toBe('direct');
    await expect(get('http://unproxied.example:5000/v2/', { proxyFromEnv: true })).rejects.toThrow(/unreachable: .*unproxied\.example/);
    await expect(get('http://registry.example:5000/v2/')).rejects.toThrow(/unreachable/); // not asked: no proxy
    expect(proxied).toHaveLength(1);
  });

  it('speaks HTTP on a unix socket (the Docker Engine and other daemons)', async () => {
    const socketPath = join(mkdtempSync(join(tmpdir(), 'shipline-door-')), 'd.sock');
    await serve((req, res) => res.end(`on socket ${req.url}`), (server) => new Promise<void>((resolve) => server.listen(socketPath, resolve)));
    expect((await get('http://docker/_ping', { socketPath })).body.toString()).toBe('on socket /_ping');
  });

  it('fails a request whose server goes silent within the idle deadline, and one that trickles within the total deadline', async () => {
    const silent = await serve(() => undefined, onLoopback);
    const began = Date.now();
    await expect(get(`http://127.0.0.1:${portOf(silent)}/`, { idleTimeoutMs: 300 })).rejects.toThrow('silent for 0.3s');
    const trickle = await serve((_req, res) => {
      res.write('a');
      const timer = setInterval(() => res.write('a'), 100);
      res.on('close', () => clearInterval(timer));
    }, onLoopback);
    await expect(get(`http://127.0.0.1:${portOf(trickle)}/`, { idleTimeoutMs: 300, totalTimeoutMs: 600 })).rejects.toThrow('silent for 0.6s');
    // Tolerance: 0.9 s of deadlines plus scheduling on a loaded 2-core machine.
    expect(Date.now() - began).toBeLessThan(3_000);
  });
});
