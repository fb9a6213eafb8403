// No secret reaches the output: `release --json`, `apply --diff`, `bundle import` and a
// failing push run with registry credentials and Secret data holding marker strings; no
// marker (nor its base64 form) may appear in stdout, stderr or the --json document.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../pipelines/adapters/kube.js';
import { paths, registryAddress } from '../../pipelines/stack/layout.js';
import { RegistryInstance } from '../../scripts/bench/fixtures/registry-instance.js';
import { writeSyntheticOci } from '../../scripts/bench/fixtures/synthetic-oci.js';
import { shipline } from '../support/cli.js';
import { installRoutingCrds } from '../support/routing-crds.js';
import { rolloutFixture } from '../../scripts/bench/fixtures/rollout-fixture.js';

const marker = `LEAKMARKER${randomBytes(6).toString('hex')}`;
const user = 'leaker';
const password = `${marker}-password`;
const wrongPassword = `${marker}-wrong`;
const secretValue = `${marker}-secret-data`;
const forms = (text: string) => [text, Buffer.from(text).toString('base64'), Buffer.from(`${user}:${text}`).toString('base64')];
const secrets = [marker, ...forms(password), ...forms(wrongPassword), ...forms(secretValue)];
const env = { KUBECONFIG: paths.kubeconfig() };
const client = KubeClient.load(paths.kubeconfig());

let dir: string;
let registry: RegistryInstance;

function expectNoSecret(res: { stdout: string; stderr: string }): void {
  for (const secret of secrets) {
    expect(res.stdout, `stdout holds ${secret}`).not.toContain(secret);
    expect(res.stderr, `stderr holds ${secret}`).not.toContain(secret);
  }
}

/** A DOCKER_CONFIG with `pass` for each registry (buildx plugins and builders linked in). */
function dockerConfig(registries: string[], pass: string): NodeJS.ProcessEnv {
  const configDir = mkdtempSync(join(dir, 'docker-'));
  for (const name of ['cli-plugins', 'buildx']) symlinkSync(join(homedir(), '.docker', name), join(configDir, name));
  const auths = Object.fromEntries(registries.map((r) => [r, { auth: Buffer.from(`${user}:${pass}`).toString('base64') }]));
  writeFileSync(join(configDir, 'config.json'), JSON.stringify({ auths }));
  return { DOCKER_CONFIG: configDir, SHIPLINE_LEAK_CHECK: marker };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shipline-leak-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'htpasswd'), `${user}:${bcrypt.hashSync(password, 10)}\n`);
  registry = await RegistryInstance.start({ kind: 'htpasswd', file: join(dir, 'htpasswd') });
  await installRoutingCrds(client);
});
afterAll(async () => {
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('no secret in the output', () => {
  it('release --json with credentials in the Docker config', async () => {
    const f = rolloutFixture({ steps: [100] });
    try {
      const res = await shipline(['release', '--yes', '--json', '--config', f.configFile, '--tag', `leak-${f.id}`], { cwd: f.dir, env: { ...env, ...dockerConfig([registryAddress], password) } });
      expect(res.exitCode, res.stderr).toBe(0);
      expectNoSecret(res);
    } finally {
      await f.cleanup(client);
    }
  });

  it('apply --diff of a Secret (created, then changed)', async () => {
    const name = `leak-${randomBytes(3).toString('hex')}`;
    const file = (value: string) => {
      const path = join(dir, `${value.length}-${name}.yaml`);
      writeFileSync(path, `apiVersion: v1\nkind: Secret\nmetadata: { name: ${name}, namespace: default }\nstringData: { token: ${value} }\n`);
      return path;
    };
    try {
      const first = await shipline(['apply', '-f', file(secretValue), '--diff'], { env });
      expect(first.exitCode, first.stderr).toBe(0);
      expectNoSecret(first);
      expect((await shipline(['apply', '-f', file(secretValue)], { env })).exitCode).toBe(0);
      const changed = await shipline(['apply', '-f', file(`${secretValue}-2`), '--diff'], { env });
      expect(changed.exitCode, changed.stderr).toBe(0);
      expect(changed.stdout).toContain('*** (after)');
      expectNoSecret(changed);
    } finally {
      await client.delete({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' } });
    }
  });

  it('bundle import with a password on stdin (accepted, then refused), with --json', async () => {
    const image = await writeSyntheticOci(join(dir, 'leak.tar'), { platforms: ['linux/amd64'], layersPerPlatform: 1, layerSize: 1 << 16, seed: marker.toLowerCase() });
    const bundle = join(dir, 'leak.bundle.tar');
    expect((await shipline(['bundle', 'create', '--oci', image.file, '--image', 'leak/app:1', '-o', bundle])).exitCode).toBe(0);
    const ok = await shipline(['bundle', 'import', bundle, '--registry', registry.address, '--username', user, '--password-stdin', '--json'], { input: password });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expectNoSecret(ok);
    const refused = await shipline(['bundle', 'import', bundle, '--registry', registry.address, '--username', user, '--password-stdin', '--json', '--force'], { input: wrongPassword });
    expect(refused.exitCode).not.toBe(0);
    expectNoSecret(refused);
  });

  it('a failing push (the registry refuses the Docker config\'s credentials)', async () => {
    const f = rolloutFixture({});
    writeFileSync(f.configFile, `image:\n  repository: ${registry.address}/leak/pushed\n  dockerfile: ${join(process.cwd(), 'Dockerfile.musl')}\n  context: ${process.cwd()}\noutput:\n  push: true\n`);
    const res = await shipline(['build', '--tag', 'v1', '--push', '--config', f.configFile], { cwd: f.dir, env: { ...env, ...dockerConfig([registry.address], wrongPassword) } });
    expect(res.exitCode).toBe(3);
    expect(res.stderr).toContain(`refused the credentials for user "${user}"`);
    expectNoSecret(res);
  });
});
