// Credentials stay with the registry they were given for: a real htpasswd registry behind a
// forwarder of the test's own that names, in each upload's Location, another origin (the
// same loopback address, another port: what a hostile or misconfigured registry could do
// with another host). Import must send the upload there without the Authorization header,
// as Docker's client does, and fail without leaking the secret.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { shipline } from '../bundle-fixtures/cli.js';
import { RegistryInstance } from '../../scripts/bench/fixtures/registry-instance.js';
import { writeSyntheticOci, type SyntheticImage } from '../../scripts/bench/fixtures/synthetic-oci.js';

const user = 'shipper';
const password = `S3cret-${randomBytes(8).toString('hex')}`;
let dir: string;
let image: SyntheticImage;
let registry: RegistryInstance;
let front: Server;
let elsewhere: Server;
/** Requests each listener saw: path, and whether they carried credentials. */
const seen = { front: [] as { path: string; auth: boolean }[], elsewhere: [] as { path: string; auth: boolean }[] };

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

/** Forwards a request to the registry; `rewrite` may change the response's Location. */
function forward(req: IncomingMessage, res: ServerResponse, rewrite: (location: string) => string): void {
  const upstream = request({ host: '127.0.0.1', port: registry.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    const headers = { ...answer.headers };
    if (typeof headers.location === 'string') headers.location = rewrite(headers.location);
    res.writeHead(answer.statusCode ?? 502, headers);
    answer.pipe(res);
  });
  req.pipe(upstream);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shipline-auth-location-'));
  image = await writeSyntheticOci(join(dir, 'image.tar'), { platforms: ['linux/amd64'], layersPerPlatform: 1, layerSize: 64 << 10, seed: `location-${Date.now()}` });
  writeFileSync(join(dir, 'htpasswd'), `${user}:${bcrypt.hashSync(password, 10)}\n`);
  registry = await RegistryInstance.start({ kind: 'htpasswd', file: join(dir, 'htpasswd') });
  elsewhere = createServer((req, res) => {
    seen.elsewhere.push({ path: req.url ?? '', auth: req.headers.authorization !== undefined });
    forward(req, res, (l) => l);
  });
  const elsewherePort = await listen(elsewhere);
  front = createServer((req, res) => {
    seen.front.push({ path: req.url ?? '', auth: req.headers.authorization !== undefined });
    // Upload sessions continue on another origin.
    forward(req, res, (l) => new URL(new URL(l, `http://127.0.0.1:${registry.port}`).pathname + new URL(l, 'http://x').search, `http://127.0.0.1:${elsewherePort}`).href);
  });
  await listen(front);
});

afterAll(async () => {
  await new Promise((r) => front?.close(r));
  await new Promise((r) => elsewhere?.close(r));
  await registry?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('an upload Location on another origin gets no credentials: the upload is refused there (exit 1), the secret never sent or printed', async () => {
  const address = `127.0.0.1:${(front.address() as { port: number }).port}`;
  const res = await shipline(['bundle', 'import', image.file, '--image', 'air/location:1', '--registry', address, '--username', user, '--password-stdin', '--retries', '1'], { input: `${password}\n` });
  expect(res.exitCode, res.stderr).toBe(1);
  expect(res.stdout + res.stderr).not.toContain(password);
  // The registry's own origin got the credentials; the other origin was asked, without them.
  expect(seen.front.some((r) => r.auth && r.path.includes('/blobs/uploads/'))).toBe(true);
  expect(seen.elsewhere.length).toBeGreaterThan(0);
  expect(seen.elsewhere.filter((r) => r.auth)).toEqual([]);
});
