// The adversarial tier: hostile bundles, each built here from a real signed bundle, that
// would make standard tools (zstd -dc | tar x, gunzip | tar x, tar x) write something that
// was not signed. Each must be refused by `bundle verify --key` and `bundle import --key`
// (exit 3, naming the entry or frame and the rule, nothing pushed to a real registry) and by
// `bundle verify` without a key (exit 2). The real bundles themselves verify, and what the
// standard tools extract from them is exactly the signed files.
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../pipelines/adapters/process.js';
import { shipline } from '../bundle-fixtures/cli.js';
import {
  extractWithStandardTools, frameOf, plainTarOf, readFrames, signedFiles, tarBytes, tarItems, writeBundle, writeFrames, type TarItem,
} from '../bundle-fixtures/hostile.js';
import { RegistryInstance } from '../../scripts/bench/fixtures/registry-instance.js';
import { writeSyntheticOci } from '../../scripts/bench/fixtures/synthetic-oci.js';

let dir: string;
let registry: RegistryInstance;
let key: string;
let pub: string;
const at = (name: string) => join(dir, name);
const signed = { zstd: '', gzip: '', none: '' };
let plain: Buffer;
let items: TarItem[];
const dockerArchive = 'docker/air_hostile_1.linux-amd64.docker.tar';
const nothingPushed = () => !existsSync(join(registry.dir, 'data', 'docker', 'registry', 'v2', 'blobs'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shipline-hostile-'));
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  key = at('signer.key');
  pub = at('signer.pub');
  writeFileSync(key, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(at('deploy.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: signed}\n');
  const image = await writeSyntheticOci(at('image.tar'), { platforms: ['linux/amd64', 'linux/arm64'], layersPerPlatform: 1, layerSize: 1_500_000, seed: `hostile-${Date.now()}` });
  for (const compression of ['zstd', 'gzip', 'none'] as const) {
    signed[compression] = at(`signed.${compression}`);
    const made = await shipline(['bundle', 'create', '--oci', image.file, '--image', 'air/hostile:1', '--manifests', at('deploy.yaml'), '--docker-archives', '--sign-key', key, '--compress', compression, '-o', signed[compression]]);
    expect(made.exitCode, made.stderr).toBe(0);
  }
  plain = readFileSync(signed.none);
  items = await tarItems(plain);
  registry = await RegistryInstance.start();
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the real signed bundles', () => {
  for (const compression of ['zstd', 'gzip', 'none'] as const) {
    it(`${compression}: verify --key accepts it, and the standard tools extract exactly the signed files`, async () => {
      const res = await shipline(['bundle', 'verify', signed[compression], '--key', pub]);
      expect(res.exitCode, res.stderr).toBe(0);
      expect(res.stdout).toContain('signature: good');
      const out = await extractWithStandardTools(signed[compression], compression, at(`x-${compression}`));
      expect(out.ok).toBe(true);
      expect(out.others).toEqual([]);
      // Each bundle was signed on its own (ECDSA signatures differ): its own bundle.json and signature.
      const own = compression === 'none' ? items : await tarItems(await plainTarOf(signed[compression]));
      const json = own.find((i) => i.header.name === 'bundle.json')!.data!;
      const sig = own.find((i) => i.header.name === 'bundle.json.sig')!.data!;
      expect(out.files).toEqual(signedFiles(json, sig));
      expect(out.files.size).toBe(14);
    });
  }
});

/**
 * Expects verify --key and import --key to refuse `file` with exit 3 and `message`, nothing
 * pushed, and verify without a key with exit 2 and the same message.
 */
async function expectRefused(file: string, message: RegExp): Promise<void> {
  // The three runs are independent: at once, to keep the tier to seconds.
  const [verified, imported, unkeyed] = await Promise.all([
    shipline(['bundle', 'verify', file, '--key', pub]),
    shipline(['bundle', 'import', file, '--key', pub, '--registry', registry.address]),
    shipline(['bundle', 'verify', file]),
  ]);
  expect(verified.exitCode, verified.stderr).toBe(3);
  expect(verified.stderr).toMatch(message);
  expect(verified.stdout).not.toContain('signature: good');
  expect(imported.exitCode, imported.stderr).toBe(3);
  expect(imported.stderr).toMatch(message);
  expect(nothingPushed()).toBe(true);
  expect(unkeyed.exitCode, unkeyed.stderr).toBe(2);
  expect(unkeyed.stderr).toMatch(message);
}

/** What `tar -t` lists after the standard decompressor: proof that an attack is live. */
async function listedByStandardTools(file: string, compression: 'zstd' | 'gzip'): Promise<string[]> {
  const tar = `${file}.plain.tar`;
  if (compression === 'gzip') copyFileSync(file, `${tar}.gz`);
  await run(compression === 'zstd' ? ['zstd', '-q', '-d', '-f', file, '-o', tar] : ['gunzip', '-f', `${tar}.gz`]);
  return (await run(['tar', '-t', '-f', tar])).stdout.trim().split('\n');
}

const evil = Buffer.from('not what was signed\n');

describe('hostile bundles are refused', () => {
  for (const compression of ['zstd', 'gzip'] as const) {
    it(`${compression}: a hidden frame (listed with 0 bytes) holding a whole tar entry`, async () => {
      const { frames } = await readFrames(signed[compression]);
      const hidden = { bytes: (await frameOf(compression, await tarBytes([{ header: { name: 'docker/evil.docker.tar', size: evil.length }, data: evil }], false))).bytes, u: 0 };
      const file = at(`hidden-frame.${compression}`);
      writeFrames(file, compression, [hidden, ...frames]);
      // The attack is live: the standard tools see the entry nobody signed.
      expect(await listedByStandardTools(file, compression)).toContain('docker/evil.docker.tar');
      await expectRefused(file, /frame 0 of its table holds \d+ compressed and 0 uncompressed bytes; shipline writes frames of 1 to 4194304 bytes/);
    });

    it(`${compression}: a frame whose table size hides part of its content`, async () => {
      const { frames } = await readFrames(signed[compression]);
      const entry = await tarBytes([{ header: { name: 'oci/oci-layout', size: 30 }, data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') }, { header: { name: 'evil', size: evil.length }, data: evil }], false);
      const first = await frameOf(compression, entry);
      const file = at(`short-table.${compression}`);
      writeFrames(file, compression, [first, ...frames.slice(2)], [{ ...first, u: 1024 }, ...frames.slice(2)]);
      await expectRefused(file, compression === 'zstd' ? /frame 0 at byte 0\): the zstd stream is corrupted \(a frame declares 2048 bytes of content, its table says 1024\)/ : /frame 0 at byte 0\): the gzip stream is corrupted \(could not decompress a frame: a frame gives more than the 1024 bytes its table says\)/);
    });

    it(`${compression}: one frame over the writer's 4 MiB limit`, async () => {
      const file = at(`oversized.${compression}`);
      const whole = await plainTarOf(signed[compression]);
      expect(whole.length).toBeGreaterThan(4 << 20);
      writeFrames(file, compression, [await frameOf(compression, whole)]);
      await expectRefused(file, /frame 0 of its table holds \d+ compressed and \d+ uncompressed bytes; shipline writes frames of 1 to 4194304 bytes/);
    });

    it(`${compression}: a frame table cut short`, async () => {
      const file = at(`cut-table.${compression}`);
      copyFileSync(signed[compression], file);
      truncateSync(file, readFileSync(file).length - 6);
      await expectRefused(file, /is truncated or is not a shipline bundle: its \w+ stream has no frame table at its end/);
    });

    it(`${compression}: a frame the table does not cover`, async () => {
      const { frames } = await readFrames(signed[compression]);
      const extra = await frameOf(compression, await tarBytes([{ header: { name: 'evil', size: evil.length }, data: evil }], false));
      const file = at(`uncovered.${compression}`);
      writeFrames(file, compression, [...frames.slice(0, -1), extra, frames.at(-1)!], frames);
      await expectRefused(file, /its frame table covers \d+ bytes of \w+ data, but the file holds \d+/);
    });
  }

  it('gzip: bytes after the gzip data inside a frame', async () => {
    const { frames } = await readFrames(signed.gzip);
    const file = at('gzip-tail.gzip');
    const padded = { bytes: Buffer.concat([frames[0]!.bytes, Buffer.alloc(16)]), u: frames[0]!.u };
    writeFrames(file, 'gzip', [padded, ...frames.slice(1)]);
    await expectRefused(file, /frame 0 at byte 0\): the gzip stream is corrupted \(could not decompress a frame: 16 bytes follow the gzip data inside its table entry\)/);
  });

  /** A bundle of the real entries with `before` in front (and `after` behind), as zstd. */
  async function rebuilt(name: string, before: TarItem[], after: TarItem[] = [], compression: 'zstd' | 'none' = 'zstd'): Promise<string> {
    const file = at(name);
    await writeBundle(file, await tarBytes([...before, ...items, ...after]), compression);
    return file;
  }

  it('an entry of the signed docker archive\'s name given twice (the later one is what tar keeps)', async () => {
    const file = await rebuilt('duplicate.zstd', [], [{ header: { name: dockerArchive, size: evil.length }, data: evil }]);
    await expectRefused(file, new RegExp(`tar entry "${dockerArchive}" is rejected: its name appears twice`));
  });

  it('a hard link from the signed docker archive\'s name onto unsigned content, before the real entries', async () => {
    const file = await rebuilt('hardlink-shadow.zstd', [
      { header: { name: 'manifests/deploy2.yaml', size: evil.length }, data: evil },
      { header: { name: dockerArchive, type: 'link', linkname: 'manifests/deploy2.yaml', size: 0 } },
    ]);
    await expectRefused(file, new RegExp(`tar entry "${dockerArchive}" is rejected: its name appears twice`));
  });

  it('a hard link of a new name onto a signed file', async () => {
    const file = await rebuilt('hardlink.zstd', [], [{ header: { name: 'manifests/copy.yaml', type: 'link', linkname: 'manifests/deploy.yaml', size: 0 } }]);
    await expectRefused(file, /tar entry "manifests\/copy\.yaml" is rejected: it is a hardlink; a bundle holds regular files and folders only/);
  });

  it('a symlink chain that leaves the extraction folder (loop -> ., loop/up -> ..)', async () => {
    const file = await rebuilt('symlink-chain.zstd', [
      { header: { name: 'loop', type: 'symlink', linkname: '.', size: 0 } },
      { header: { name: 'loop/up', type: 'symlink', linkname: '..', size: 0 } },
    ]);
    await expectRefused(file, /tar entry "loop\/up" is rejected: it is inside "loop", which is a symlink, not a folder/);
  });

  it('a signed file stored under a second spelling of its name (./ and //)', async () => {
    const file = await rebuilt('respelled.zstd', [], [{ header: { name: './manifests//deploy.yaml', size: evil.length }, data: evil }]);
    await expectRefused(file, /tar entry "\.\/manifests\/\/deploy\.yaml" is rejected: it names the same file as "manifests\/deploy\.yaml"/);
  });

  it('a pax header tar would act on (an extended attribute)', async () => {
    const withXattr = items.map((i) => (i.header.name === 'manifests/deploy.yaml' ? { ...i, header: { ...i.header, pax: { 'SCHILY.xattr.user.evil': '1' } } } : i));
    const file = at('xattr.zstd');
    await writeBundle(file, await tarBytes(withXattr), 'zstd');
    await expectRefused(file, /is rejected: it sets the pax key "SCHILY\.xattr\.user\.evil", which bundles do not use/);
  });

  it('a set-user-ID file', async () => {
    const setuid = items.map((i) => (i.header.name === 'manifests/deploy.yaml' ? { ...i, header: { ...i.header, mode: 0o4755 } } : i));
    const file = at('setuid.zstd');
    await writeBundle(file, await tarBytes(setuid), 'zstd');
    await expectRefused(file, /tar entry "manifests\/deploy\.yaml" is rejected: its mode 4755 sets a set-ID or sticky bit/);
  });

  it('an entry after the end-of-archive marker (tar -i would extract it)', async () => {
    const file = at('after-end.none');
    writeFileSync(file, Buffer.concat([plain, await tarBytes([{ header: { name: 'evil', size: evil.length }, data: evil }])]));
    await expectRefused(file, /bytes other than zeros follow the end-of-archive marker at byte \d+/);
  });

  it('a 40 MB signature: refused by its size, before it is read', async () => {
    const huge = items.map((i) => (i.header.name === 'bundle.json.sig' ? { header: { ...i.header, size: 40 << 20 }, data: Buffer.alloc(40 << 20, 0x41) } : i));
    const file = at('huge-sig.none');
    writeFileSync(file, await tarBytes(huge));
    const timed = await run(['/usr/bin/time', '-f', '%M', 'node', 'scripts/shipline.mjs', 'bundle', 'verify', file, '--key', pub], { nothrow: true });
    expect(timed.exitCode).toBe(3);
    // Peak RSS in KiB (the last line /usr/bin/time prints): the 40 MB are never held.
    expect(Number(timed.stderr.trim().split('\n').at(-1))).toBeLessThan(120 * 1024);
    await expectRefused(file, /tar entry "bundle\.json\.sig" is rejected: it is 41943040 bytes, more than the 16384 a signature may have/);
  });

  it('a file bundle.json does not list', async () => {
    const file = await rebuilt('unlisted.zstd', [{ header: { name: 'docker/evil.docker.tar', size: evil.length }, data: evil }]);
    await expectRefused(file, /tar entry "docker\/evil\.docker\.tar" is rejected: it is in the bundle but not listed in bundle\.json/);
  });

  it('appended bytes after the gzip or zstd stream', () => {
    // Covered by the table check: anything after the trailer means there is no trailer at the end.
    const file = at('appended.zstd');
    copyFileSync(signed.zstd, file);
    appendFileSync(file, Buffer.alloc(4));
    return expectRefused(file, /has no frame table at its end/);
  });
});
