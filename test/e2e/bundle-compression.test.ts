// Compressed bundles: `bundle create --compress zstd|gzip` writes a real .tar.zst / .tar.gz
// (the standard tools give back the plain bundle byte for byte) that verify and import read
// in place; a truncated or corrupted compressed stream is refused with exit 2, nothing tagged.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../pipelines/adapters/process.js';
import { RegistryClient } from '../../pipelines/adapters/registry.js';
import { indexTar } from '../../pipelines/bundle/tar-index.js';
import { shipline, type ImportJson } from '../bundle-fixtures/cli.js';
import { RegistryInstance } from '../../scripts/bench/fixtures/registry-instance.js';
import { writeSyntheticOci, type SyntheticImage } from '../../scripts/bench/fixtures/synthetic-oci.js';

let dir: string;
let image: SyntheticImage;
let registry: RegistryInstance;
const at = (name: string) => join(dir, name);
const plain = () => at('b.bundle.tar');
const zst = () => at('b.bundle.tar.zst');
const gz = () => at('b.bundle.tar.gz');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shipline-compress-'));
  image = await writeSyntheticOci(at('small.tar'), { platforms: ['linux/amd64', 'linux/arm64'], layersPerPlatform: 2, layerSize: 3 << 20, seed: `compress-${Date.now()}` });
  for (const [out, compress] of [[plain(), 'none'], [zst(), 'zstd'], [gz(), 'gzip']] as const) {
    const created = await shipline(['bundle', 'create', '--oci', image.file, '--image', 'air/zipped:1', '--compress', compress, '-o', out]);
    expect(created.exitCode, created.stderr).toBe(0);
  }
  registry = await RegistryInstance.start();
});

afterAll(async () => {
  await registry?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('compressed bundles', () => {
  it('are a .tar.zst and a .tar.gz that zstd and gunzip turn back into the plain bundle', async () => {
    const fromZstd = await run(['sh', '-c', 'zstd -dc "$1" | cmp - "$2"', 'sh', zst(), plain()], { nothrow: true });
    expect(fromZstd.exitCode, fromZstd.stderr).toBe(0);
    const fromGzip = await run(['sh', '-c', 'gunzip -c < "$1" | cmp - "$2"', 'sh', gz(), plain()], { nothrow: true });
    expect(fromGzip.exitCode, fromGzip.stderr).toBe(0);
  });

  it('verify reads them in place and inspect names the compression', async () => {
    for (const [file, compression] of [[zst(), 'zstd'], [gz(), 'gzip']] as const) {
      const verified = await shipline(['bundle', 'verify', file]);
      expect(verified.exitCode, verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(/\d+ files \([\d.]+ MB\) match bundle\.json/);
      const inspected = await shipline(['bundle', 'inspect', file, '--json']);
      expect(JSON.parse(inspected.stdout)).toMatchObject({ compression, signed: false, images: [{ name: 'air/zipped:1', digest: image.indexDigest }] });
    }
  });

  it('import pushes a zstd bundle and tags it', async () => {
    const res = await shipline(['bundle', 'import', zst(), '--registry', registry.address, '--json']);
    expect(res.exitCode, res.stderr).toBe(0);
    const result = JSON.parse(res.stdout) as ImportJson;
    expect(result.stats.blobsUploaded).toBe(image.layerDigests.length + 2);
    expect(await new RegistryClient(registry.address).manifestDigest('air/zipped', '1')).toBe(image.indexDigest);
  });
});

describe('damaged compressed bundles: exit 2, nothing tagged', () => {
  let fresh: RegistryInstance;
  const nothingWritten = () => !existsSync(join(fresh.dir, 'data', 'docker', 'registry', 'v2', 'blobs'));
  beforeAll(async () => {
    fresh = await RegistryInstance.start();
  });
  afterAll(async () => {
    await fresh?.stop();
  });

  for (const which of ['zstd', 'gzip'] as const) {
    it(`a truncated ${which} bundle`, async () => {
      const cut = at(`cut.${which}`);
      copyFileSync(which === 'zstd' ? zst() : gz(), cut);
      truncateSync(cut, Math.floor(statSync(cut).size * 0.6));
      for (const command of [['verify', cut], ['import', cut, '--registry', fresh.address]]) {
        const res = await shipline(['bundle', ...command]);
        expect(res.exitCode, res.stderr).toBe(2);
        expect(res.stderr).toContain('is truncated or is not a shipline bundle');
      }
      expect(nothingWritten()).toBe(true);
    });
  }

  for (const which of ['zstd', 'gzip'] as const) {
    // Blobs before the damaged one may be uploaded (content-addressed, untagged); the tag never is.
    it(`a corrupted frame inside a layer of a ${which} bundle`, async () => {
      const bad = at(`corrupt.${which}`);
      copyFileSync(which === 'zstd' ? zst() : gz(), bad);
      const index = await indexTar(bad);
      const layer = index.files.get(`oci/blobs/sha256/${image.layerDigests[2]!.slice(7)}`)!;
      const frame = index.framed!.table.frames.find((f) => f.uOffset === layer.offset)!;
      const bytes = readFileSync(bad);
      bytes[frame.cOffset + Math.floor(frame.c / 2)]! ^= 0x01;
      writeFileSync(bad, bytes);
      const verify = await shipline(['bundle', 'verify', bad]);
      expect(verify.exitCode, verify.stderr).toBe(2);
      expect(verify.stderr).toMatch(/stream is corrupted|does not match its digest/);
      const res = await shipline(['bundle', 'import', bad, '--registry', fresh.address]);
      expect(res.exitCode, res.stderr).toBe(2);
      expect(await new RegistryClient(fresh.address).manifestDigest('air/zipped', '1')).toBeUndefined();
    });
  }
});
