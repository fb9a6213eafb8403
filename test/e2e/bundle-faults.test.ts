// Bad input and faults for `bundle import`, as a user meets them: each case checks the exit
// code, the message, and that nothing was tagged (or, for unsafe archives, written at all).
import { copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../../pipelines/adapters/process.js';
import { RegistryClient } from '../../pipelines/adapters/registry.js';
import type { BundleJson } from '../../pipelines/bundle/bundle-json.js';
import { indexTar } from '../../pipelines/bundle/tar-index.js';
import { shipline, type ImportJson } from '../bundle-fixtures/cli.js';
import { RegistryInstance } from '../../scripts/bench/fixtures/registry-instance.js';
import { writeSyntheticOci, type SyntheticImage } from '../../scripts/bench/fixtures/synthetic-oci.js';
import { editTar, type ExtraHeader } from '../bundle-fixtures/tar-edit.js';

let dir: string;
let registry: RegistryInstance;
let image: SyntheticImage;
const bundle = () => join(dir, 'good.bundle.tar');
const blobsWritten = () => existsSync(join(registry.dir, 'data', 'docker', 'registry', 'v2', 'blobs'));

async function expectNothingTagged(repository: string, tag: string) {
  expect(await new RegistryClient(registry.address).manifestDigest(repository, tag)).toBeUndefined();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shipline-faults-'));
  image = await writeSyntheticOci(join(dir, 'small.tar'), { platforms: ['linux/amd64', 'linux/arm64'], layersPerPlatform: 2, layerSize: 1 << 20, seed: `faults-${Date.now()}` });
  const created = await shipline(['bundle', 'create', '--oci', image.file, '--image', 'air/faults:1', '-o', bundle(), '--compress', 'none']);
  expect(created.exitCode, created.stderr).toBe(0);
  registry = await RegistryInstance.start();
});

afterAll(async () => {
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('bundle import refuses bad archives before writing anything', () => {
  it('a truncated tarball: exit 2, says truncated, nothing written', async () => {
    const cut = join(dir, 'truncated.bundle.tar');
    copyFileSync(bundle(), cut);
    truncateSync(cut, Math.floor(readFileSync(cut).length * 0.6));
    const res = await shipline(['bundle', 'import', cut, '--registry', registry.address]);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toMatch(/truncated\.bundle\.tar is truncated: entry ".+" needs \d+ bytes/);
    expect(blobsWritten()).toBe(false);
    const verify = await shipline(['bundle', 'verify', cut]);
    expect(verify.exitCode).toBe(2);
  });

  const unsafe: [string, ExtraHeader, RegExp][] = [
    ['`..` in a path', { name: '../evil.txt', type: 'file' }, /"\.\.\/evil\.txt" is rejected: its path contains `\.\.`/],
    ['an absolute path', { name: '/etc/evil', type: 'file' }, /"\/etc\/evil" is rejected: its path is absolute/],
    ['a symlink escaping', { name: 'oci/passwd', type: 'symlink', linkname: '../../etc/passwd' }, /"oci\/passwd" is rejected: it links to \.\.\/\.\.\/etc\/passwd, outside the archive/],
    ['a hardlink escaping', { name: 'oci/shadow', type: 'link', linkname: '../shadow' }, /"oci\/shadow" is rejected: it links to \.\.\/shadow, outside the archive/],
  ];
  for (const [label, header, pattern] of unsafe) {
    it(`an entry with ${label}: exit 2, names the entry, nothing written`, async () => {
      const bad = join(dir, 'unsafe.bundle.tar');
      await editTar(bundle(), bad, (_n, d) => d, [{ header: { ...header, size: 0 }, data: header.type === 'file' ? Buffer.from('x') : undefined }]);
      const res = await shipline(['bundle', 'import', bad, '--registry', registry.address]);
      expect(res.exitCode, res.stderr).toBe(2);
      expect(res.stderr).toMatch(pattern);
      expect(blobsWritten()).toBe(false);
    });
  }

  it('bundle.json listing an image that is missing: exit 2, names the image, nothing written', async () => {
    const bad = join(dir, 'missing-image.bundle.tar');
    const ghost = `sha256:${'ab'.repeat(32)}`;
    await editTar(bundle(), bad, (name, data) => {
      if (name !== 'bundle.json') return data;
      const json = JSON.parse(data.toString('utf8')) as BundleJson;
      json.images.push({ ...json.images[0]!, name: 'air/ghost:1', repository: 'air/ghost', tag: '1', digest: ghost, platforms: [] });
      return Buffer.from(JSON.stringify(json));
    });
    const res = await shipline(['bundle', 'import', bad, '--registry', registry.address]);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain(`bundle.json: images[1] (air/ghost:1) names ${ghost}, which is not in the bundle's image layout`);
    expect(blobsWritten()).toBe(false);
  });
});

describe('bundle import with a corrupted blob', () => {
  it('exits 2 naming the blob, and tags nothing', async () => {
    const bad = join(dir, 'corrupt.bundle.tar');
    copyFileSync(bundle(), bad);
    const layer = image.layerDigests[1]!;
    const entry = (await indexTar(bad)).files.get(`oci/blobs/sha256/${layer.slice(7)}`)!;
    const fd = openSync(bad, 'r+');
    writeSync(fd, Buffer.from('corrupted!'), 0, 10, entry.offset + Math.floor(entry.size / 2));
    const res = await shipline(['bundle', 'import', bad, '--registry', registry.address]);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain(`blob ${layer} (${bad}: oci/blobs/sha256/${layer.slice(7)}) does not match its digest`);
    await expectNothingTagged('air/faults', '1');
    const verify = await shipline(['bundle', 'verify', bad]);
    expect(verify.exitCode).toBe(2);
    expect(verify.stderr).toContain(`blob ${layer}`);
  });
});

describe('bundle import with a corrupted blob the registry already holds', () => {
  it('reads and checks that blob too: exit 2, no new tag, the old tag untouched', async () => {
    const good = await shipline(['bundle', 'import', bundle(), '--image', 'air/present:1', '--registry', registry.address]);
    expect(good.exitCode, good.stderr).toBe(0);
    const bad = join(dir, 'corrupt-present.bundle.tar');
    copyFileSync(bundle(), bad);
    const layer = image.layerDigests[0]!;
    const entry = (await indexTar(bad)).files.get(`oci/blobs/sha256/${layer.slice(7)}`)!;
    const fd = openSync(bad, 'r+');
    writeSync(fd, Buffer.from([0xff]), 0, 1, entry.offset + 100);
    // Into the same repository under a new tag: every blob is present, nothing is uploaded.
    const res = await shipline(['bundle', 'import', bad, '--image', 'air/present:2', '--registry', registry.address]);
    expect(res.exitCode, res.stderr).toBe(2);
    expect(res.stderr).toContain(`blob ${layer} (${bad}: oci/blobs/sha256/${layer.slice(7)}) does not match its digest`);
    await expectNothingTagged('air/present', '2');
    // Under the tag that already names it: still refused, not reported as done.
    const again = await shipline(['bundle', 'import', bad, '--image', 'air/present:1', '--registry', registry.address]);
    expect(again.exitCode, again.stderr).toBe(2);
    expect(await new RegistryClient(registry.address).manifestDigest('air/present', '1')).toBe(image.indexDigest);
  });
});

describe('bundle import when the registry dies mid-import', () => {
  it('fails with exit 1, leaves the tag absent, and a re-run uploads only what is missing', async () => {
    const big = await writeSyntheticOci(join(dir, 'big.tar'), { platforms: ['linux/amd64', 'linux/arm64'], layersPerPlatform: 3, layerSize: 24 << 20, seed: `kill-${Date.now()}` });
    const dying = await RegistryInstance.start();
    try {
      const args = ['scripts/shipline.mjs', 'bundle', 'import', big.file, '--image', 'air/killed:1', '--registry', dying.address, '--concurrency', '1', '--retries', '2'];
      let stderr = '';
      let killed = false;
      const child = start(['node', ...args], {
        nothrow: true,
        onStderr: (chunk) => {
          stderr += chunk;
          if (!killed && stderr.includes('uploaded sha256:')) {
            killed = true;
            void dying.kill();
          }
        },
      });
      const code = (await child.result).exitCode;
      expect(killed, stderr).toBe(true);
      expect(code, stderr).toBe(1);
      // The next request fails: the upload under way, or the HEAD of the next blob.
      expect(stderr).toMatch(/(upload blob sha256:[a-f0-9]{64} to air\/killed|HEAD blob air\/killed@sha256:[a-f0-9]{64}): .*gave up after 2 tries/);

      await dying.startProcess();
      expect(await new RegistryClient(dying.address).manifestDigest('air/killed', '1')).toBeUndefined();

      const rerun = await shipline(['bundle', 'import', big.file, '--image', 'air/killed:1', '--registry', dying.address, '--json']);
      expect(rerun.exitCode, rerun.stderr).toBe(0);
      const result = JSON.parse(rerun.stdout) as ImportJson;
      const total = big.layerDigests.length + 2;
      expect(result.stats.blobsPresent).toBeGreaterThanOrEqual(1);
      expect(result.stats.blobsUploaded).toBe(total - result.stats.blobsPresent);
      expect(await new RegistryClient(dying.address).manifestDigest('air/killed', '1')).toBe(big.indexDigest);
    } finally {
      await dying.stop();
    }
  });
});

describe('bundle import onto an existing tag', () => {
  it('refuses to move a tag that names another image (exit 3), and --force moves it', async () => {
    const other = await writeSyntheticOci(join(dir, 'other.tar'), { platforms: ['linux/amd64'], layersPerPlatform: 1, layerSize: 4096, seed: `other-${Date.now()}` });
    const first = await shipline(['bundle', 'import', other.file, '--image', 'air/taken:1', '--registry', registry.address]);
    expect(first.exitCode, first.stderr).toBe(0);
    const res = await shipline(['bundle', 'import', image.file, '--image', 'air/taken:1', '--registry', registry.address]);
    expect(res.exitCode).toBe(3);
    expect(res.stderr).toContain(`air/taken:1 already names ${other.indexDigest}`);
    const forced = await shipline(['bundle', 'import', image.file, '--image', 'air/taken:1', '--registry', registry.address, '--force']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(await new RegistryClient(registry.address).manifestDigest('air/taken', '1')).toBe(image.indexDigest);
  });
});
