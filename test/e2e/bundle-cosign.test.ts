// Signed bundles interoperate with cosign (built from its Go module), both ways: cosign
// verifies what shipline signed, with cosign's own key files and with a plain PKCS#8 key;
// shipline verifies a bundle.json signature that cosign made.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../pipelines/adapters/registry.js';
import { shipline } from '../bundle-fixtures/cli.js';
import { RegistryInstance } from '../../scripts/bench/fixtures/registry-instance.js';
import { writeSyntheticOci, type SyntheticImage } from '../../scripts/bench/fixtures/synthetic-oci.js';
import { editTar } from '../bundle-fixtures/tar-edit.js';
import { readTar } from '../support/tar.js';
import { cosign, ensureCosign } from '../support/cosign.js';

let dir: string;
let image: SyntheticImage;
let registry: RegistryInstance;
const at = (name: string) => join(dir, name);
const password = 'site officer';
/** cosign verify-blob with a key and no transparency log: how an air-gapped site checks a blob. */
const verifyBlob = (pub: string, signature: string, payload: string) => cosign(['verify-blob', '--key', pub, '--signature', signature, '--insecure-ignore-tlog=true', payload]);

beforeAll(async () => {
  await ensureCosign();
  dir = mkdtempSync(join(tmpdir(), 'shipline-cosign-'));
  const generated = await cosign(['generate-key-pair', '--output-key-prefix', at('cosign')], { COSIGN_PASSWORD: password });
  expect(generated.exitCode, generated.stderr).toBe(0);
  image = await writeSyntheticOci(at('small.tar'), { platforms: ['linux/amd64', 'linux/arm64'], layersPerPlatform: 1, layerSize: 1 << 20, seed: `cosign-${Date.now()}` });
  registry = await RegistryInstance.start();
}, 45 * 60_000);

afterAll(async () => {
  await registry?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cosign verifies what shipline signed', () => {
  it('with cosign\'s own encrypted key file (password from COSIGN_PASSWORD)', async () => {
    expect(readFileSync(at('cosign.key'), 'utf8')).toContain('BEGIN ENCRYPTED SIGSTORE PRIVATE KEY');
    const bundle = at('by-cosign-key.bundle.tar.zst');
    const created = await shipline(['bundle', 'create', '--oci', image.file, '--image', 'air/cosign:1', '--sign-key', at('cosign.key'), '-o', bundle], { env: { ...process.env, COSIGN_PASSWORD: password } });
    expect(created.exitCode, created.stderr).toBe(0);
    const exported = await shipline(['bundle', 'inspect', bundle, '--export-signature', at('export')]);
    expect(exported.exitCode, exported.stderr).toBe(0);
    const res = await verifyBlob(at('cosign.pub'), at('export/signature'), at('export/payload'));
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stderr).toContain('Verified OK');
    // And cosign is no rubber stamp: a payload changed by one byte fails.
    writeFileSync(at('export/payload'), readFileSync(at('export/payload'), 'utf8').replace('air/cosign:1', 'air/cosign:2'));
    const changed = await verifyBlob(at('cosign.pub'), at('export/signature'), at('export/payload'));
    expect(changed.exitCode).not.toBe(0);
  });

  it('a cosign key file with the wrong password: exit 3, nothing written', async () => {
    const bundle = at('wrong-password.bundle.tar.zst');
    const res = await shipline(['bundle', 'create', '--oci', image.file, '--image', 'air/cosign:1', '--sign-key', at('cosign.key'), '-o', bundle], { env: { ...process.env, COSIGN_PASSWORD: 'not it' } });
    expect(res.exitCode).toBe(3);
    expect(res.stderr).toContain('wrong password (the key does not decrypt)');
    expect(existsSync(bundle)).toBe(false);
    expect(existsSync(`${bundle}.partial`)).toBe(false);
  });

  it('with a plain PKCS#8 P-256 key', async () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(at('plain.key'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(at('plain.pub'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
    const bundle = at('by-plain-key.bundle.tar.gz');
    const created = await shipline(['bundle', 'create', '--oci', image.file, '--image', 'air/cosign:1', '--sign-key', at('plain.key'), '--compress', 'gzip', '-o', bundle]);
    expect(created.exitCode, created.stderr).toBe(0);
    const exported = await shipline(['bundle', 'inspect', bundle, '--export-signature', at('plain-export')]);
    expect(exported.exitCode, exported.stderr).toBe(0);
    const res = await verifyBlob(at('plain.pub'), at('plain-export/signature'), at('plain-export/payload'));
    expect(res.exitCode, res.stderr).toBe(0);
    const wrongKey = await verifyBlob(at('cosign.pub'), at('plain-export/signature'), at('plain-export/payload'));
    expect(wrongKey.exitCode).not.toBe(0);
  });
});

describe('shipline verifies what cosign signed', () => {
  it('a bundle.json signed with `cosign sign-blob` verifies and imports with --key cosign.pub, and fails with another key', async () => {
    const unsigned = at('unsigned.bundle.tar');
    const created = await shipline(['bundle', 'create', '--oci', image.file, '--image', 'air/cosigned:1', '--compress', 'none', '-o', unsigned]);
    expect(created.exitCode, created.stderr).toBe(0);
    writeFileSync(at('bundle.json'), (await readTar(unsigned)).get('bundle.json')!);
    const signed = await cosign(
      ['sign-blob', '--key', at('cosign.key'), '--tlog-upload=false', '--use-signing-config=false', '--new-bundle-format=false', '--output-signature', at('bundle.json.sig'), '--yes', at('bundle.json')],
      { COSIGN_PASSWORD: password },
    );
    expect(signed.exitCode, signed.stderr).toBe(0);
    const bundle = at('cosigned.bundle.tar');
    await editTar(unsigned, bundle, (_name, data) => data, [{ header: { name: 'bundle.json.sig', type: 'file', mode: 0o644 }, data: readFileSync(at('bundle.json.sig')) }]);

    const verified = await shipline(['bundle', 'verify', bundle, '--key', at('cosign.pub')]);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('signature: good');
    const imported = await shipline(['bundle', 'import', bundle, '--key', at('cosign.pub'), '--registry', registry.address]);
    expect(imported.exitCode, imported.stderr).toBe(0);
    expect(await new RegistryClient(registry.address).manifestDigest('air/cosigned', '1')).toBe(image.indexDigest);

    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(at('stranger.pub'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
    const stranger = await shipline(['bundle', 'verify', bundle, '--key', at('stranger.pub')]);
    expect(stranger.exitCode).toBe(3);
  });
});
