// The registry hung (SIGSTOP) in the middle of `bundle import`: the import ends within
// its timeout with a clear error (exit 1) and writes no tag; once the registry is resumed,
// a re-run finishes, uploads only what is missing, and writes the tag last.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../pipelines/adapters/registry.js';
import { shipline, type ImportJson } from '../bundle-fixtures/cli.js';
import { RegistryInstance } from '../../scripts/bench/fixtures/registry-instance.js';
import { writeSyntheticOci } from '../../scripts/bench/fixtures/synthetic-oci.js';
import { TestProcess } from './support/test-process.js';

let dir: string;
let registry: RegistryInstance;
const bundle = () => join(dir, 'big.bundle.tar');
const repository = 'faults/hung';

function blobCount(): number {
  const root = join(registry.dir, 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256');
  if (!existsSync(root)) return 0;
  return readdirSync(root).reduce((n, prefix) => n + readdirSync(join(root, prefix)).length, 0);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shipline-faults-registry-'));
  const image = await writeSyntheticOci(join(dir, 'big.tar'), { platforms: ['linux/amd64', 'linux/arm64'], layersPerPlatform: 6, layerSize: 8 << 20, seed: `hung-${Date.now()}` });
  const created = await shipline(['bundle', 'create', '--oci', image.file, '--image', `${repository}:1`, '-o', bundle()]);
  expect(created.exitCode, created.stderr).toBe(0);
  registry = await RegistryInstance.start();
}, 300_000);

afterAll(async () => {
  if (registry?.pid) process.kill(registry.pid, 'SIGCONT');
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('registry hung mid bundle import', () => {
  it('times out cleanly (exit 1, names the registry), tags nothing; a re-run finishes and uploads only what is missing', async () => {
    let stderr = '';
    const child = TestProcess.start([process.execPath, 'scripts/shipline.mjs', 'bundle', 'import', bundle(), '--registry', registry.address, '--concurrency', '1'], {
      env: { ...process.env, SHIPLINE_TIMEOUT: '3' },
      onStderr: (chunk) => (stderr += chunk),
    });
    const exited = child.result.then((res) => res.exitCode);

    // Hang the registry once the first blobs have landed: the import is under way.
    const deadline = Date.now() + 120_000;
    while (blobCount() < 2) {
      if (Date.now() > deadline || !child.running) throw new Error(`the import never started uploading (${child.running ? 'still running' : 'it ended'}): ${stderr}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    process.kill(registry.pid!, 'SIGSTOP');
    const hungAt = Date.now();
    let code: number | null;
    try {
      code = await exited;
    } finally {
      process.kill(registry.pid!, 'SIGCONT');
    }
    const took = Date.now() - hungAt;
    expect(code, stderr).toBe(1);
    expect(took).toBeLessThan(30_000);
    expect(stderr).toContain(`registry ${registry.address} did not answer`);
    expect(stderr).toContain('silent for 3s');
    const uploadedBefore = blobCount();
    expect(uploadedBefore).toBeGreaterThan(0);
    // Nothing half-done: the tag is written last, so there is none.
    expect(await new RegistryClient(registry.address).manifestDigest(repository, '1')).toBeUndefined();

    const rerun = await shipline(['bundle', 'import', bundle(), '--registry', registry.address, '--json']);
    expect(rerun.exitCode, rerun.stderr).toBe(0);
    const summary = JSON.parse(rerun.stdout) as ImportJson;
    expect(summary.stats.blobsPresent).toBeGreaterThan(0);
    expect(summary.stats.blobsUploaded + summary.stats.blobsPresent).toBeGreaterThan(summary.stats.blobsUploaded);
    expect(summary.stats.tagsWritten).toBe(1);
    expect(await new RegistryClient(registry.address).manifestDigest(repository, '1')).toBe(summary.images[0]!.digest);
  });
});
