// The bundle commands at their edges, as a user meets them: inspect never calls an unchecked
// signature good; create removes its partial file on Ctrl-C (exit 130) and names an -o it
// cannot write (exit 2); a folder or missing path is one line, exit 2, no stack trace;
// import --manifests-out keeps the manifests' folders.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shipline } from '../bundle-fixtures/cli.js';
import { RegistryInstance } from '../../scripts/bench/fixtures/registry-instance.js';
import { tarBytes, tarItems, writeBundle } from '../bundle-fixtures/hostile.js';
import { writeSyntheticOci, type SyntheticImage } from '../../scripts/bench/fixtures/synthetic-oci.js';
import { TestProcess } from '../faults/support/test-process.js';

let dir: string;
let image: SyntheticImage;
let pub: string;
let key: string;
const at = (name: string) => join(dir, name);
const signed = () => at('signed.tar');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shipline-edges-'));
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  key = at('k.pem');
  pub = at('k.pub');
  writeFileSync(key, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  image = await writeSyntheticOci(at('image.tar'), { platforms: ['linux/amd64'], layersPerPlatform: 1, layerSize: 64 << 10, seed: `edges-${Date.now()}` });
  mkdirSync(at('m/a'), { recursive: true });
  mkdirSync(at('m/b'), { recursive: true });
  writeFileSync(at('m/a/deploy.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
  writeFileSync(at('m/b/deploy.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n');
  const made = await shipline(['bundle', 'create', '--oci', image.file, '--image', 'air/edges:1', '--manifests', at('m'), '-R', '--sign-key', key, '--compress', 'none', '-o', signed()]);
  expect(made.exitCode, made.stderr).toBe(0);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('bundle inspect and the signature', () => {
  it('without --key: "signed (not verified: pass --key)"; with it: checked', async () => {
    const plain = await shipline(['bundle', 'inspect', signed()]);
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/^signed \(not verified: pass --key\); bundle\.json names key sha256:[a-f0-9]{64}$/m);
    const keyed = await shipline(['bundle', 'inspect', signed(), '--key', pub, '-o', 'json']);
    expect(keyed.exitCode, keyed.stderr).toBe(0);
    expect(JSON.parse(keyed.stdout)).toMatchObject({ signed: true, signatureVerifiedWith: expect.stringMatching(/^sha256:/) });
  });

  it('a garbage signature: never "signed: yes"; with --key, exit 3', async () => {
    const garbage = at('garbage-sig.tar');
    const items = (await tarItems(readFileSync(signed()))).map((i) => (i.header.name === 'bundle.json.sig' ? { header: { ...i.header, size: 8 }, data: Buffer.from('garbage\n') } : i));
    await writeBundle(garbage, await tarBytes(items), 'none');
    const plain = await shipline(['bundle', 'inspect', garbage]);
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('signed (not verified: pass --key)');
    expect(plain.stdout).not.toContain('signed: yes');
    const keyed = await shipline(['bundle', 'inspect', garbage, '--key', pub]);
    expect(keyed.exitCode).toBe(3);
    expect(keyed.stderr).toContain('bundle.json.sig: the signature does not match this key and content');
  });
});

describe('bad paths: one line, exit 2, no stack trace', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['verify of a folder', () => ['bundle', 'verify', dir], /^shipline: cannot read .+: it is a folder\n/],
    ['inspect of a missing file', () => ['bundle', 'inspect', at('missing.tar')], /^shipline: cannot read .+missing\.tar: no such file\n/],
    ['import of a path through a file', () => ['bundle', 'import', join(signed(), 'x'), '--registry', '127.0.0.1:1'], /^shipline: cannot read .+signed\.tar\/x: ENOTDIR\n/],
    ['create -o into a missing folder', () => ['bundle', 'create', '--oci', image.file, '--image', 'air/edges:1', '-o', at('nowhere/x.tar')], /^shipline: -o .+nowhere\/x\.tar: cannot write there: the folder .+nowhere does not exist\n/],
  ];
  for (const [label, args, message] of cases) {
    it(label, async () => {
      const res = await shipline(args());
      expect(res.exitCode, res.stderr).toBe(2);
      expect(res.stderr).toMatch(message);
      expect(res.stderr).not.toMatch(/\n\s+at /);
    });
  }
});

it('Ctrl-C during bundle create: exit 130, the partial file removed', async () => {
  const big = await writeSyntheticOci(at('big.tar'), { platforms: ['linux/amd64'], layersPerPlatform: 2, layerSize: 60e6, seed: `edges-big-${Date.now()}` });
  let output = '';
  const child = TestProcess.start([process.execPath, join(process.cwd(), 'scripts', 'shipline.mjs'), 'bundle', 'create', '--oci', big.file, '--image', 'air/big:1', '--compress', 'gzip', '-o', at('interrupted.tar.gz')], {
    onStdout: (c) => (output += c),
    onStderr: (c) => (output += c),
  });
  const exited = child.result.then((res) => res.exitCode);
  // Once the partial file has data, the writing is under way.
  const deadline = Date.now() + 60_000;
  while (!existsSync(at('interrupted.tar.gz.partial')) || readFileSync(at('interrupted.tar.gz.partial')).length === 0) {
    if (Date.now() > deadline || !child.running) throw new Error(`the writing never started: ${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  process.kill(-child.pid, 'SIGINT');
  expect(await exited, output).toBe(130);
  expect(output).toContain('the partial file was removed');
  expect(readdirSync(dir).filter((n) => n.startsWith('interrupted'))).toEqual([]);
  rmSync(big.file);
}, 120_000);

describe('import --manifests-out', () => {
  let registry: RegistryInstance;
  beforeAll(async () => {
    registry = await RegistryInstance.start();
  });
  afterAll(() => registry?.stop());

  it('keeps the manifests\' folders: a/deploy.yaml and b/deploy.yaml stay two files', async () => {
    const res = await shipline(['bundle', 'import', signed(), '--key', pub, '--registry', registry.address, '--manifests-out', at('out')]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(readFileSync(at('out/a/deploy.yaml'), 'utf8')).toContain('name: a');
    expect(readFileSync(at('out/b/deploy.yaml'), 'utf8')).toContain('name: b');
    expect(readdirSync(at('out')).sort()).toEqual(['a', 'b']);
  });
});
