// `shipline build --push` to registries that require credentials (our own docker-registry
// instances: htpasswd Basic, and token auth with a token server): preflight refuses with
// exit 3 before building when the Docker config holds none or the registry refuses them,
// names the registry, never prints the secret; accepted credentials pass preflight.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../pipelines/adapters/registry.js';
import { RegistryInstance } from '../../scripts/bench/fixtures/registry-instance.js';
import { startTokenServer, type TokenServer } from '../bundle-fixtures/token-server.js';
import { buildFixture } from '../support/build-fixture.js';
import { shipline } from '../support/cli.js';

const user = 'shipper';
const password = `S3cret-${randomBytes(8).toString('hex')}`;
const wrong = `Wr0ng-${randomBytes(8).toString('hex')}`;
const secrets = [password, wrong, ...[password, wrong].map((p) => Buffer.from(`${user}:${p}`).toString('base64'))];
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shipline-build-auth-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A DOCKER_CONFIG folder holding `pass` for `registry`, or no credentials at all. The docker
 * CLI finds its plugins and buildx its builders in that folder too: link the user's.
 */
function dockerConfig(registry: string, pass?: string): { env: NodeJS.ProcessEnv; file: string } {
  const configDir = mkdtempSync(join(dir, 'docker-'));
  for (const name of ['cli-plugins', 'buildx']) symlinkSync(join(homedir(), '.docker', name), join(configDir, name));
  const auths = pass ? { [registry]: { auth: Buffer.from(`${user}:${pass}`).toString('base64') } } : {};
  writeFileSync(join(configDir, 'config.json'), JSON.stringify({ auths }));
  return { env: { DOCKER_CONFIG: configDir }, file: join(configDir, 'config.json') };
}

function authFixture(registry: string) {
  const repository = `${registry}/e2e/auth-${randomBytes(4).toString('hex')}`;
  const f = buildFixture('unused', { image: { repository }, output: { push: true, oci: 'link_{tag}.tar' } });
  return { ...f, repository, path: repository.slice(registry.length + 1) };
}

async function expectRefusedBeforeBuilding(
  res: { exitCode: number | null; stdout: string; stderr: string },
  f: { dir: string; path: string },
  registry: RegistryInstance,
): Promise<void> {
  expect(res.exitCode, res.stderr).toBe(3);
  for (const secret of secrets) expect(res.stdout + res.stderr).not.toContain(secret);
  expect(res.stderr).not.toContain('[internal] load build definition');
  expect(readdirSync(f.dir).filter((name) => name.endsWith('.tar'))).toEqual([]);
  const client = new RegistryClient(registry.address, { credentials: { username: user, password } });
  expect(await client.tags(f.path)).toEqual([]);
}

describe('Basic auth (htpasswd)', () => {
  let registry: RegistryInstance;
  beforeAll(async () => {
    const htpasswd = join(dir, 'htpasswd');
    mkdirSync(dir, { recursive: true });
    writeFileSync(htpasswd, `${user}:${bcrypt.hashSync(password, 10)}\n`);
    registry = await RegistryInstance.start({ kind: 'htpasswd', file: htpasswd });
  });
  afterAll(() => registry?.stop());

  it('no credentials configured: exit 3 naming the registry and the config file, nothing built', async () => {
    const f = authFixture(registry.address);
    const { env, file } = dockerConfig(registry.address);
    const res = await shipline(['build', '--tag', 'v1', '--push'], { cwd: f.dir, env });
    expect(res.stderr).toContain(`shipline: registry ${registry.address} requires credentials to push ${f.repository}, and ${file} holds none for it`);
    expect(res.stderr).toContain(`fix: run \`docker login ${registry.address}\``);
    await expectRefusedBeforeBuilding(res, f, registry);
  });

  it('a wrong password in the Docker config: exit 3, refused for the user, secret not printed', async () => {
    const f = authFixture(registry.address);
    const { env, file } = dockerConfig(registry.address, wrong);
    const res = await shipline(['build', '--tag', 'v1'], { cwd: f.dir, env });
    expect(res.stderr).toContain(`shipline: registry ${registry.address} refused the credentials for user "${user}" (HTTP 401) (credentials from ${file})`);
    await expectRefusedBeforeBuilding(res, f, registry);
  });

  it('accepted credentials pass preflight: a dry-run has no registry warning and plans the push', async () => {
    const f = authFixture(registry.address);
    const res = await shipline(['build', '--tag', 'v1', '--dry-run'], { cwd: f.dir, env: dockerConfig(registry.address, password).env });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stderr).not.toContain('warning');
    expect(res.stdout).toContain(`-f Dockerfile.musl --output type=image,name=${f.repository},push-by-digest=true,push=true`);
    for (const secret of secrets) expect(res.stdout + res.stderr).not.toContain(secret);
  });

  it('a dry-run without credentials warns, naming the registry, and exits 0', async () => {
    const f = authFixture(registry.address);
    const res = await shipline(['build', '--tag', 'v1', '--dry-run'], { cwd: f.dir, env: dockerConfig(registry.address).env });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stderr).toContain(`warning: registry ${registry.address} requires credentials to push ${f.repository}`);
  });
});

describe('token auth (Bearer, with a token server)', () => {
  let registry: RegistryInstance;
  let tokens: TokenServer;
  beforeAll(async () => {
    tokens = await startTokenServer(dir, { [user]: password });
    registry = await RegistryInstance.start({ kind: 'token', realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certFile });
  });
  afterAll(async () => {
    await registry?.stop();
    await tokens?.close();
  });

  it('no credentials configured: exit 3 before building', async () => {
    const f = authFixture(registry.address);
    const res = await shipline(['build', '--tag', 'v1'], { cwd: f.dir, env: dockerConfig(registry.address).env });
    expect(res.stderr).toContain(`shipline: registry ${registry.address} requires credentials to push ${f.repository}`);
    expect(res.exitCode).toBe(3);
    for (const secret of secrets) expect(res.stdout + res.stderr).not.toContain(secret);
    expect(readdirSync(f.dir).filter((name) => name.endsWith('.tar'))).toEqual([]);
  });

  it('a wrong password: the token server refuses, exit 3, secret not printed', async () => {
    const f = authFixture(registry.address);
    const res = await shipline(['build', '--tag', 'v1'], { cwd: f.dir, env: dockerConfig(registry.address, wrong).env });
    expect(res.exitCode, res.stderr).toBe(3);
    expect(res.stderr).toMatch(/shipline: token server http:\/\/127\.0\.0\.1:\d+ refused the credentials for user "shipper"/);
    for (const secret of secrets) expect(res.stdout + res.stderr).not.toContain(secret);
  });

  it('accepted credentials: a token for the repository is fetched and preflight passes', async () => {
    const f = authFixture(registry.address);
    const res = await shipline(['build', '--tag', 'v1', '--dry-run'], { cwd: f.dir, env: dockerConfig(registry.address, password).env });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stderr).not.toContain('warning');
    expect(tokens.requests.some((r) => r.user === user && r.scopes.some((s) => s.startsWith(`repository:${f.path}:`)))).toBe(true);
  });
});
