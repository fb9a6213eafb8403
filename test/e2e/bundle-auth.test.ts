// Registry auth for `bundle import` against real registry instances: htpasswd (Basic) and
// token auth (Bearer, with a token server of our own); credentials from flags or the Docker
// config file; refusals exit 1 and never print the secret.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../pipelines/adapters/registry.js';
import { Authenticator } from '../../pipelines/adapters/registry/auth.js';
import { shipline, type ImportJson } from '../bundle-fixtures/cli.js';
import { RegistryInstance } from '../../scripts/bench/fixtures/registry-instance.js';
import { writeSyntheticOci, type SyntheticImage } from '../../scripts/bench/fixtures/synthetic-oci.js';
import { startTokenServer, type TokenServer } from '../bundle-fixtures/token-server.js';

const user = 'shipper';
const password = `S3cret-${randomBytes(8).toString('hex')}`;
const wrong = `Wr0ng-${randomBytes(8).toString('hex')}`;
/** What `docker login` stores as identitytoken: an OAuth2 refresh token of the identity provider. */
const refreshToken = `REFRESH-${randomBytes(12).toString('hex')}`;
const revokedToken = `REVOKED-${randomBytes(12).toString('hex')}`;
let dir: string;
let image: SyntheticImage;
let twoImages: string;

function dockerConfig(name: string, registry: string, pass: string): NodeJS.ProcessEnv {
  const configDir = join(dir, name);
  mkdirSync(configDir, { recursive: true });
  const auth = Buffer.from(`${user}:${pass}`).toString('base64');
  writeFileSync(join(configDir, 'config.json'), JSON.stringify({ auths: { [`http://${registry}`]: { auth } } }));
  return { ...process.env, DOCKER_CONFIG: configDir };
}

function identityTokenConfig(name: string, registry: string, token: string): NodeJS.ProcessEnv {
  const configDir = join(dir, name);
  mkdirSync(configDir, { recursive: true });
  // docker login with an identity provider: a username placeholder and the refresh token.
  const auth = Buffer.from(`${user}:`).toString('base64');
  writeFileSync(join(configDir, 'config.json'), JSON.stringify({ auths: { [`http://${registry}`]: { auth, identitytoken: token } } }));
  return { ...process.env, DOCKER_CONFIG: configDir };
}

function expectNoSecret(res: { stdout: string; stderr: string }) {
  for (const secret of [password, wrong, refreshToken, revokedToken, Buffer.from(`${user}:${password}`).toString('base64'), Buffer.from(`${user}:${wrong}`).toString('base64')]) {
    expect(res.stdout + res.stderr).not.toContain(secret);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shipline-auth-'));
  image = await writeSyntheticOci(join(dir, 'image.tar'), { platforms: ['linux/amd64', 'linux/arm64'], layersPerPlatform: 1, layerSize: 256 << 10, seed: `auth-${Date.now()}` });
  twoImages = join(dir, 'two.bundle.tar');
  const created = await shipline(['bundle', 'create', '--oci', image.file, '--image', 'air/one:1', '--oci', image.file, '--image', 'air/two:1', '-o', twoImages]);
  expect(created.exitCode, created.stderr).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Basic auth (registry with htpasswd)', () => {
  let registry: RegistryInstance;
  beforeAll(async () => {
    const htpasswd = join(dir, 'htpasswd');
    writeFileSync(htpasswd, `${user}:${bcrypt.hashSync(password, 10)}\n`);
    registry = await RegistryInstance.start({ kind: 'htpasswd', file: htpasswd });
  });
  afterAll(() => registry?.stop());

  it('without credentials: exit 1, says authentication is required', async () => {
    const res = await shipline(['bundle', 'import', image.file, '--image', 'air/basic:1', '--registry', registry.address], { env: { ...process.env, DOCKER_CONFIG: join(dir, 'none') } });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain(`registry ${registry.address} requires authentication and no credentials were given`);
  });

  it('a wrong password on stdin: exit 1, refused, secret not printed, nothing tagged', async () => {
    const res = await shipline(['bundle', 'import', image.file, '--image', 'air/basic:1', '--registry', registry.address, '--username', user, '--password-stdin'], { input: `${wrong}\n` });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain(`refused the credentials for user "${user}"`);
    expectNoSecret(res);
    const client = new RegistryClient(registry.address, { credentials: { username: user, password } });
    expect(await client.manifestDigest('air/basic', '1')).toBeUndefined();
  });

  it('a wrong password in the Docker config file: exit 1, secret not printed', async () => {
    const res = await shipline(['bundle', 'import', image.file, '--image', 'air/basic:1', '--registry', registry.address], { env: dockerConfig('wrong-basic', registry.address, wrong) });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toContain('refused the credentials');
    expectNoSecret(res);
  });

  it('credentials from the Docker config file: imports and tags', async () => {
    const res = await shipline(['bundle', 'import', image.file, '--image', 'air/basic:1', '--registry', registry.address, '--json'], { env: dockerConfig('good-basic', registry.address, password) });
    expect(res.exitCode, res.stderr).toBe(0);
    expectNoSecret(res);
    const client = new RegistryClient(registry.address, { credentials: { username: user, password } });
    expect(await client.manifestDigest('air/basic', '1')).toBe(image.indexDigest);
  });
});

describe('Bearer tokens (registry with token auth and a token server)', () => {
  let registry: RegistryInstance;
  let tokens: TokenServer;
  beforeAll(async () => {
    tokens = await startTokenServer(dir, { [user]: password }, { [refreshToken]: user });
    registry = await RegistryInstance.start({ kind: 'token', realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certFile });
  });
  afterAll(async () => {
    await registry?.stop();
    await tokens?.close();
  });

  it('a wrong password: exit 1, refused by the token server, secret not printed', async () => {
    const res = await shipline(['bundle', 'import', image.file, '--image', 'air/token:1', '--registry', registry.address, '--username', user, '--password-stdin'], { input: wrong });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/token server http:\/\/127\.0\.0\.1:\d+ refused the credentials for user "shipper"/);
    expectNoSecret(res);
  });

  it('good credentials: gets a token for the repository and imports', async () => {
    const res = await shipline(['bundle', 'import', image.file, '--image', 'air/token:1', '--registry', registry.address, '--username', user, '--password-stdin'], { input: password });
    expect(res.exitCode, res.stderr).toBe(0);
    expectNoSecret(res);
    // One image, one tag: the summary counts in the singular.
    expect(res.stderr).toMatch(/ and 1 tag written in /);
    // The registry's challenge says "pull,push" or "push,pull" (it words it from a Go map: about
    // 1 in 8 the latter); shipline asks for the scope with its actions sorted, always the same.
    expect(tokens.requests.some((r) => r.user === user && r.scopes.includes('repository:air/token:pull,push')), JSON.stringify(tokens.requests)).toBe(true);
  });

  it('a challenge worded "push,pull" asks the token server for the same scope as "pull,push"', async () => {
    const before = tokens.requests.length;
    const auth = new Authenticator(registry.address, { username: user, password });
    const challenge = (scope: string) => `Bearer realm="${tokens.realm}",service="${tokens.service}",scope="${scope}"`;
    await auth.refresh(0, challenge('repository:air/order:push,pull'));
    const { generation } = auth.current();
    // The same scope in the other order is not new: no second token request.
    await auth.refresh(generation, challenge('repository:air/order:pull,push')).catch(() => undefined);
    const seen = tokens.requests.slice(before);
    expect(seen.map((r) => r.scopes)).toEqual([['repository:air/order:pull,push']]);
  });

  it('a two-image bundle: the second repository mounts the blobs of the first under one token', async () => {
    // --no-auto-mount: only the bundle's own first repository is a mount source (an earlier
    // test pushed the same blobs to air/token, which the catalog would offer too).
    const res = await shipline(['bundle', 'import', twoImages, '--registry', registry.address, '--no-auto-mount', '--json'], { env: dockerConfig('good-token', registry.address, password) });
    expect(res.exitCode, res.stderr).toBe(0);
    const result = JSON.parse(res.stdout) as ImportJson;
    expect(result.stats.blobsMounted).toBe(4);
    expect(result.stats.tagsWritten).toBe(2);
    expectNoSecret(res);
  });

  it('an identitytoken in the Docker config is exchanged as an OAuth2 refresh token (POST), and imports', async () => {
    const before = tokens.requests.length;
    const res = await shipline(['bundle', 'import', image.file, '--image', 'air/identity:1', '--registry', registry.address], { env: identityTokenConfig('identity', registry.address, refreshToken) });
    expect(res.exitCode, res.stderr).toBe(0);
    expectNoSecret(res);
    const seen = tokens.requests.slice(before);
    expect(seen.some((r) => r.grant === 'refresh_token' && r.user === user && r.scopes.includes('repository:air/identity:pull,push'))).toBe(true);
    // The refresh token is never sent as a password.
    expect(seen.filter((r) => r.grant === 'basic')).toEqual([]);
    const client = new RegistryClient(registry.address, { credentials: { username: user, password } });
    expect(await client.manifestDigest('air/identity', '1')).toBe(image.indexDigest);
  });

  it('a revoked identitytoken: exit 1, refused by the token server, token not printed, nothing tagged', async () => {
    const res = await shipline(['bundle', 'import', image.file, '--image', 'air/revoked:1', '--registry', registry.address], { env: identityTokenConfig('revoked', registry.address, revokedToken) });
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/token server http:\/\/127\.0\.0\.1:\d+ refused/);
    expectNoSecret(res);
    const client = new RegistryClient(registry.address, { credentials: { username: user, password } });
    expect(await client.manifestDigest('air/revoked', '1')).toBeUndefined();
  });
});
