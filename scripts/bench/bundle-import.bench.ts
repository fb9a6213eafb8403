// `bundle import` against `skopeo copy --all`, side by side on the same two-platform OCI
// tarball (random, incompressible layers), each into a fresh registry instance of its own;
// then a second import with everything present; then peak RSS importing a ~2 GB tarball.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../pipelines/adapters/process.js';
import { RegistryInstance } from './fixtures/registry-instance.js';
import { writeSyntheticOci } from './fixtures/synthetic-oci.js';
import { rounds, scaled } from './quick.js';

const roundCount = rounds(3);
const out = (line: string) => process.stdout.write(`${line}\n`);
const cli = ['node', 'scripts/shipline.mjs'];

async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - start) / 1000, value };
}

async function withRegistry<T>(fn: (address: string) => Promise<T>): Promise<T> {
  const registry = await RegistryInstance.start();
  try {
    return await fn(registry.address);
  } finally {
    await registry.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const importArgs = (file: string, address: string) => [...cli, 'bundle', 'import', file, '--image', 'bench/link:1', '--registry', address, '--json'];

/** Runs a shipline import under /usr/bin/time -v: wall seconds, the import's own seconds, peak RSS. */
async function shiplineImport(file: string, address: string): Promise<{ wall: number; inner: number; rssMb: number; uploaded: number }> {
  const { seconds, value } = await timed(() => run(['/usr/bin/time', '-v', ...importArgs(file, address)]));
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(value.stderr)?.[1] ?? NaN);
  const json = JSON.parse(value.stdout) as { seconds: number; stats: { blobsUploaded: number } };
  return { wall: seconds, inner: json.seconds, rssMb: rss / 1024, uploaded: json.stats.blobsUploaded };
}

export default async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'shipline-bench-'));
  try {
    const small = await timed(() => writeSyntheticOci(join(dir, 'link-300mb.tar'), { platforms: ['linux/amd64', 'linux/arm64'], layersPerPlatform: 3, layerSize: scaled(50e6, 2e6), seed: 'bench-300' }));
    const mb = small.value.bytes / 1e6;
    out(`OCI tarball: ${mb.toFixed(0)} MB of layers, linux/amd64 + linux/arm64, 3 random layers each (made in ${small.seconds.toFixed(1)} s)`);

    const skopeo: number[] = [];
    const ours: { wall: number; inner: number; rssMb: number }[] = [];
    for (let i = 0; i < roundCount; i++) {
      const s = await withRegistry((address) =>
        timed(() => run(['skopeo', 'copy', '--all', '--quiet', '--dest-tls-verify=false', `oci-archive:${small.value.file}`, `docker://${address}/bench/link:1`])),
      );
      skopeo.push(s.seconds);
      ours.push(await withRegistry((address) => shiplineImport(small.value.file, address)));
      out(`  round ${i + 1}: skopeo ${s.seconds.toFixed(2)} s | shipline ${ours[i]!.wall.toFixed(2)} s (import ${ours[i]!.inner.toFixed(2)} s after CLI start-up)`);
    }
    const sk = median(skopeo);
    const wall = median(ours.map((o) => o.wall));
    const inner = median(ours.map((o) => o.inner));
    out(`skopeo copy --all oci-archive → empty registry: ${sk.toFixed(2)} s (${(mb / sk).toFixed(0)} MB/s), median of ${roundCount}`);
    out(`shipline bundle import → empty registry:        ${wall.toFixed(2)} s (${(mb / wall).toFixed(0)} MB/s), ratio ${(sk / wall).toFixed(2)}x (target ≥ 1.3x)`);
    out(`  of which the import itself:                   ${inner.toFixed(2)} s (${(mb / inner).toFixed(0)} MB/s), ratio ${(sk / inner).toFixed(2)}x`);

    await withRegistry(async (address) => {
      await run(importArgs(small.value.file, address));
      const again = await shiplineImport(small.value.file, address);
      out(`second import, everything present: ${again.wall.toFixed(2)} s CLI wall (target < 0.5 s), ${again.inner.toFixed(3)} s of it in the import; ${again.uploaded} blobs uploaded`);
    });
    rmSync(small.value.file);

    const big = await timed(() => writeSyntheticOci(join(dir, 'link-2gb.tar'), { platforms: ['linux/amd64', 'linux/arm64'], layersPerPlatform: 8, layerSize: scaled(125e6, 2e6), seed: 'bench-2g' }));
    const bigMb = big.value.bytes / 1e6;
    const peak = await withRegistry((address) => shiplineImport(big.value.file, address));
    out(`~2 GB tarball (${bigMb.toFixed(0)} MB of layers, made in ${big.seconds.toFixed(1)} s): import ${peak.wall.toFixed(2)} s (${(bigMb / peak.wall).toFixed(0)} MB/s)`);
    out(`  peak RSS of the shipline process (/usr/bin/time -v): ${peak.rssMb.toFixed(0)} MB (target < 150 MB)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
