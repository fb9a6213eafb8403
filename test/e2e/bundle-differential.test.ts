// Differential bundles and automatic cross-repository mounts, with real bundles and a real
// registry: a release that changes one layer ships only that layer (and its config); import
// checks the site has the rest before pushing anything, and mounts what another repository
// of the registry already holds instead of uploading it.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../pipelines/adapters/registry.js';
import type { Inspection } from '../../pipelines/bundle/inspect.js';
import { shipline, type ImportJson } from '../bundle-fixtures/cli.js';
import { RegistryInstance } from '../../scripts/bench/fixtures/registry-instance.js';
import { writeSyntheticOci, type SyntheticImage } from '../../scripts/bench/fixtures/synthetic-oci.js';

let dir: string;
let v1: SyntheticImage;
let v2: SyntheticImage;
const at = (name: string) => join(dir, name);
const full = () => at('diff-1.bundle.tar.zst');
const delta = () => at('diff-2.bundle.tar.zst');
const seed = `diff-${Date.now()}`;
const layerSize = 2 << 20;

async function inspect(file: string): Promise<Inspection> {
  const res = await shipline(['bundle', 'inspect', file, '--json']);
  expect(res.exitCode, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as Inspection;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shipline-diff-'));
  const platforms = ['linux/amd64', 'linux/arm64'];
  v1 = await writeSyntheticOci(at('v1.tar'), { platforms, layersPerPlatform: 2, layerSize, seed, layerKey: (p, i) => `${seed}-${p}-${i}` });
  // Release 2 changes the top layer of linux/arm64 only.
  v2 = await writeSyntheticOci(at('v2.tar'), { platforms, layersPerPlatform: 2, layerSize, seed, layerKey: (p, i) => `${seed}-${p}-${i}${p === 'linux/arm64' && i === 1 ? '-v2' : ''}` });
  const a = await shipline(['bundle', 'create', '--oci', v1.file, '--image', 'air/diff:1', '-o', full()]);
  expect(a.exitCode, a.stderr).toBe(0);
  const b = await shipline(['bundle', 'create', '--oci', v2.file, '--image', 'air/diff:2', '--since', full(), '-o', delta()]);
  expect(b.exitCode, b.stderr).toBe(0);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('bundle create --since', () => {
  it('leaves out what the earlier bundle delivered and records it', async () => {
    const d = await inspect(delta());
    // Shared: three layers and the amd64 config; new: one layer and the arm64 config.
    expect(d.dependsOn).toMatchObject({ bundle: 'diff-1.bundle.tar.zst', blobs: 4 });
    expect(d.dependsOn!.bundleJsonSha256).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(statSync(delta()).size).toBeLessThan(statSync(full()).size / 3);
    const verified = await shipline(['bundle', 'verify', delta()]);
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('differential: 4 blobs are left out; they come from bundle diff-1.bundle.tar.zst');
  });

  it('refuses a base that is not a bundle (exit 3)', async () => {
    const res = await shipline(['bundle', 'create', '--oci', v2.file, '--image', 'air/diff:2', '--since', v1.file, '-o', at('x.zst')]);
    expect(res.exitCode).toBe(3);
    expect(res.stderr).toContain('is not a shipline bundle');
    expect(existsSync(at('x.zst'))).toBe(false);
  });
});

describe('bundle import of a differential bundle', () => {
  let registry: RegistryInstance;
  beforeAll(async () => {
    registry = await RegistryInstance.start();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('into a registry without its base: exit 3 naming the base bundle, nothing pushed', async () => {
    const res = await shipline(['bundle', 'import', delta(), '--registry', registry.address]);
    expect(res.exitCode, res.stderr).toBe(3);
    expect(res.stderr).toContain('lacks 4 of the 4 blobs this differential bundle leaves out');
    expect(res.stderr).toContain('import diff-1.bundle.tar.zst');
    expect(existsSync(join(registry.dir, 'data', 'docker', 'registry', 'v2', 'blobs'))).toBe(false);
  });

  it('after its base: uploads only the changed layer and config', async () => {
    const base = await shipline(['bundle', 'import', full(), '--registry', registry.address]);
    expect(base.exitCode, base.stderr).toBe(0);
    const res = await shipline(['bundle', 'import', delta(), '--registry', registry.address, '--json']);
    expect(res.exitCode, res.stderr).toBe(0);
    const result = JSON.parse(res.stdout) as ImportJson;
    expect(result.stats.blobsUploaded).toBe(2);
    expect(await new RegistryClient(registry.address).manifestDigest('air/diff', '2')).toBe(v2.indexDigest);
  });

  it('into another repository of that registry: mounts the left-out blobs from where the base went', async () => {
    const res = await shipline(['bundle', 'import', delta(), '--image', 'site/renamed:2', '--registry', registry.address, '--json']);
    expect(res.exitCode, res.stderr).toBe(0);
    const result = JSON.parse(res.stdout) as ImportJson;
    expect(result.stats.blobsUploaded).toBe(0);
    expect(result.stats.blobsMounted).toBe(6);
    expect(await new RegistryClient(registry.address).manifestDigest('site/renamed', '2')).toBe(v2.indexDigest);
  });

  it('--since-registry leaves out what the registry holds in the image\'s repository', async () => {
    const out = at('diff-3.bundle.tar.zst');
    const res = await shipline(['bundle', 'create', '--oci', v2.file, '--image', 'air/diff:3', '--since-registry', registry.address, '-o', out]);
    expect(res.exitCode, res.stderr).toBe(0);
    const d = await inspect(out);
    expect(d.dependsOn).toMatchObject({ registry: registry.address, blobs: 6 });
    const imported = await shipline(['bundle', 'import', out, '--registry', registry.address, '--json']);
    expect(imported.exitCode, imported.stderr).toBe(0);
    expect((JSON.parse(imported.stdout) as ImportJson).stats.blobsUploaded).toBe(0);
  });
});

describe('automatic cross-repository mounts', () => {
  it('a second import into a new repository mounts every blob instead of uploading (and --no-auto-mount uploads)', async () => {
    const registry = await RegistryInstance.start();
    try {
      const first = await shipline(['bundle', 'import', full(), '--registry', registry.address]);
      expect(first.exitCode, first.stderr).toBe(0);
      const second = await shipline(['bundle', 'import', full(), '--image', 'other/place:1', '--registry', registry.address, '--json']);
      expect(second.exitCode, second.stderr).toBe(0);
      const stats = (JSON.parse(second.stdout) as ImportJson).stats;
      expect(stats.blobsUploaded).toBe(0);
      expect(stats.blobsMounted).toBe(v1.layerDigests.length + 2);
      const manual = await shipline(['bundle', 'import', full(), '--image', 'third/place:1', '--registry', registry.address, '--no-auto-mount', '--json']);
      expect(manual.exitCode, manual.stderr).toBe(0);
      expect((JSON.parse(manual.stdout) as ImportJson).stats.blobsUploaded).toBe(v1.layerDigests.length + 2);
    } finally {
      await registry.stop();
    }
  });
});
