// Signed bundles as a security officer meets them: `bundle create --sign-key`, then
// `bundle verify --key` and `bundle import --key` refuse (exit 3, nothing pushed) an
// unsigned bundle, a wrong key and any changed byte; bad keys and passwords exit 2 or 3
// before anything is written.
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../pipelines/adapters/registry.js';
import { indexTar } from '../../pipelines/bundle/tar-index.js';
import { shipline } from '../bundle-fixtures/cli.js';
import { RegistryInstance } from '../../scripts/bench/fixtures/registry-instance.js';
import { writeSyntheticOci, type SyntheticImage } from '../../scripts/bench/fixtures/synthetic-oci.js';
import { editTar } from '../bundle-fixtures/tar-edit.js';

let dir: string;
let registry: RegistryInstance;
let image: SyntheticImage;
const at = (name: string) => join(dir, name);
const signed = () => at('signed.bundle.tar');
const blobsWritten = () => existsSync(join(registry.dir, 'data', 'docker', 'registry', 'v2', 'blobs'));

function writeKeyPair(name: string, type: 'p256' | 'p384' | 'rsa', passphrase?: string): { key: string; pub: string } {
  const pair =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: type === 'p256' ? 'P-256' : 'P-384' });
  const key = at(`${name}.key`);
  const pub = at(`${name}.pub`);
  writeFileSync(key, pair.privateKey.export(passphrase ? { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase } : { type: 'pkcs8', format: 'pem' }));
  writeFileSync(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { key, pub };
}

let keys: Record<'good' | 'other' | 'rsa' | 'p384' | 'locked', { key: string; pub: string }>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shipline-signing-'));
  keys = {
    good: writeKeyPair('good', 'p256'),
    other: writeKeyPair('other', 'p256'),
    rsa: writeKeyPair('rsa', 'rsa'),
    p384: writeKeyPair('p384', 'p384'),
    locked: writeKeyPair('locked', 'p256', 'correct horse'),
  };
  image = await writeSyntheticOci(at('small.tar'), { platforms: ['linux/amd64', 'linux/arm64'], layersPerPlatform: 2, layerSize: 1 << 20, seed: `signing-${Date.now()}` });
  const created = await shipline(['bundle', 'create', '--oci', image.file, '--image', 'air/signed:1', '--sign-key', keys.good.key, '-o', signed(), '--compress', 'none']);
  expect(created.exitCode, created.stderr).toBe(0);
  registry = await RegistryInstance.start();
});

afterAll(async () => {
  await registry?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a signed bundle', () => {
  it('verifies with the signer\'s public key and names the key', async () => {
    const res = await shipline(['bundle', 'verify', signed(), '--key', keys.good.pub]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/signature: good, bundle\.json signed by key sha256:[a-f0-9]{64}/);
  });

  it('is refused with another key: exit 3', async () => {
    const res = await shipline(['bundle', 'verify', signed(), '--key', keys.other.pub]);
    expect(res.exitCode).toBe(3);
    expect(res.stderr).toContain('bundle.json.sig: the signature does not match this key and content');
  });

  it('import --key pushes it and tags it', async () => {
    const res = await shipline(['bundle', 'import', signed(), '--key', keys.good.pub, '--registry', registry.address]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await new RegistryClient(registry.address).manifestDigest('air/signed', '1')).toBe(image.indexDigest);
  });
});

describe('bundle import --key refuses, with exit 3 and nothing pushed', () => {
  let fresh: RegistryInstance;
  const nothingPushed = () => existsSync(join(fresh.dir, 'data', 'docker', 'registry', 'v2', 'blobs'));
  beforeAll(async () => {
    fresh = await RegistryInstance.start();
  });
  afterAll(async () => {
    await fresh?.stop();
  });

  it('an unsigned bundle', async () => {
    const unsigned = at('unsigned.bundle.tar');
    const created = await shipline(['bundle', 'create', '--oci', image.file, '--image', 'air/signed:1', '-o', unsigned]);
    expect(created.exitCode, created.stderr).toBe(0);
    for (const command of [['verify', unsigned], ['import', unsigned, '--registry', fresh.address]]) {
      const res = await shipline(['bundle', ...command, '--key', keys.good.pub]);
      expect(res.exitCode, res.stderr).toBe(3);
      expect(res.stderr).toContain('is not signed (no bundle.json.sig)');
    }
    expect(nothingPushed()).toBe(false);
  });

  it('a wrong key', async () => {
    const res = await shipline(['bundle', 'import', signed(), '--key', keys.other.pub, '--registry', fresh.address]);
    expect(res.exitCode).toBe(3);
    expect(nothingPushed()).toBe(false);
  });

  it('one changed byte in a layer (the signature itself still holds)', async () => {
    const bad = at('changed-layer.bundle.tar');
    copyFileSync(signed(), bad);
    const layer = image.layerDigests[3]!;
    const entry = (await indexTar(bad)).files.get(`oci/blobs/sha256/${layer.slice(7)}`)!;
    const fd = openSync(bad, 'r+');
    writeSync(fd, Buffer.from([0x5a]), 0, 1, entry.offset + entry.size - 1);
    for (const command of [['verify', bad], ['import', bad, '--registry', fresh.address]]) {
      const res = await shipline(['bundle', ...command, '--key', keys.good.pub]);
      expect(res.exitCode, res.stderr).toBe(3);
      expect(res.stderr).toContain(`blob ${layer}`);
      expect(res.stderr).toContain('is not what its signer signed');
    }
    expect(nothingPushed()).toBe(false);
  });

  it('a changed bundle.json', async () => {
    const bad = at('changed-json.bundle.tar');
    await editTar(signed(), bad, (name, data) => (name === 'bundle.json' ? Buffer.from(data.toString('utf8').replace('"air/signed:1"', '"air/signex:1"')) : data));
    const res = await shipline(['bundle', 'import', bad, '--key', keys.good.pub, '--registry', fresh.address]);
    expect(res.exitCode, res.stderr).toBe(3);
    expect(res.stderr).toContain('the signature does not match');
    expect(nothingPushed()).toBe(false);
  });

  it('a signature over different content (another bundle\'s signature)', async () => {
    const other = at('other-signed.bundle.tar');
    const created = await shipline(['bundle', 'create', '--oci', image.file, '--image', 'air/other:1', '--sign-key', keys.good.key, '-o', other, '--compress', 'none']);
    expect(created.exitCode, created.stderr).toBe(0);
    const { readTar } = await import('../support/tar.js');
    const otherSignature = (await readTar(other)).get('bundle.json.sig')!;
    const bad = at('swapped-signature.bundle.tar');
    await editTar(signed(), bad, (name, data) => (name === 'bundle.json.sig' ? otherSignature : data));
    const res = await shipline(['bundle', 'import', bad, '--key', keys.good.pub, '--registry', fresh.address]);
    expect(res.exitCode, res.stderr).toBe(3);
    expect(nothingPushed()).toBe(false);
  });
});

describe('bad signing keys: a clear error before anything is written', () => {
  const cases: [string, () => string, RegExp][] = [
    ['an RSA key', () => keys.rsa.key, /is an RSA key, not ECDSA P-256/],
    ['a P-384 key', () => keys.p384.key, /is an EC key on secp384r1, not ECDSA P-256/],
    ['a public key given as the signing key', () => keys.good.pub, /not a PEM private key \(it holds "PUBLIC KEY"\)/],
  ];
  for (const [label, key, message] of cases) {
    it(`${label}: exit 2`, async () => {
      const out = at(`bad-key-${label.replace(/\W+/g, '-')}.bundle.tar`);
      const res = await shipline(['bundle', 'create', '--oci', image.file, '--image', 'air/signed:1', '--sign-key', key(), '-o', out]);
      expect(res.exitCode, res.stderr).toBe(2);
      expect(res.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(`${out}.partial`)).toBe(false);
    });
  }

  it('a public key of the wrong type for --key: exit 2', async () => {
    const res = await shipline(['bundle', 'verify', signed(), '--key', keys.rsa.pub]);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toMatch(/--key .*rsa\.pub: is an RSA key, not ECDSA P-256/);
  });

  it('an encrypted key: the password from stdin signs; a wrong one (env) exits 3; none exits 2', async () => {
    const out = at('locked.bundle.tar');
    const args = ['bundle', 'create', '--oci', image.file, '--image', 'air/signed:1', '--sign-key', keys.locked.key, '-o', out];
    const none = await shipline(args, { env: { ...process.env, SHIPLINE_KEY_PASSWORD: undefined, COSIGN_PASSWORD: undefined } });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('the key is encrypted and no password was given');
    const wrong = await shipline(args, { env: { ...process.env, SHIPLINE_KEY_PASSWORD: 'battery staple' } });
    expect(wrong.exitCode).toBe(3);
    expect(wrong.stderr).toContain('wrong password');
    expect(existsSync(out)).toBe(false);
    const right = await shipline([...args, '--sign-password-stdin'], { input: 'correct horse\n' });
    expect(right.exitCode, right.stderr).toBe(0);
    const verified = await shipline(['bundle', 'verify', out, '--key', keys.locked.pub]);
    expect(verified.exitCode, verified.stderr).toBe(0);
  });
});

it('the registry for these tests was written only by the good import', () => {
  expect(blobsWritten()).toBe(true);
});
