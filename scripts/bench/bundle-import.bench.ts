// `bundle import` against `skopeo copy --all`, side by side on the same two-platform OCI
// tarball (random, incompressible layers), each into a fresh registry instance of its own;
// then a second import with everything present; then peak RSS importing a ~2 GB tarball.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../pipelines/adapters/process.js';
import { RegistryInstance } from '../../test/bundle-fixtures/registry-instance.js';
import { writeSyntheticOci } from '../../test/bundle-fixtures/synthetic-oci.js';

const rounds = 3;
const out = (line: string) => process.stdout.write(`${line}\n`);
const cli = ['node', 'scripts/shipline.mjs'];
// The bundle command alone, registered as cli.ts does but without the other commands'
// modules: what `shipline bundle import` costs once cli.ts loads commands lazily.
const lean = [
  'node', '--input-type=module', '-e',
  "import { register } from 'tsx/esm/api'; register(); const { Command } = await import('commander');" +
    " const { registerBundleCommands } = await import('./scripts/commands/bundle.ts');" +
    " const p = new Command('shipline'); registerBundleCommands(p); await p.parseAsync(process.argv.slice(1), { from: 'user' });",
];

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
const importArgs = (file: string, address: string, entry = cli) => [...entry, 'bundle', 'import', file, '--image', 'bench/link:1', '--registry', address, '--json'];

/** Runs a shipline import under /usr/bin/time -v: wall seconds, the import's own seconds, peak RSS. */
async function shiplineImport(file: string, address: string, entry = cli): Promise<{ wall: number; inner: number; rssMb: number; uploaded: number }> {
  const { seconds, value } = await timed(() => run(['/usr/bin/time', '-v', ...importArgs(file, address, entry)]));
  const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(value.stderr)?.[1] ?? NaN);
  const json = JSON.parse(value.stdout) as { seconds: number; stats: { blobsUploaded: number } };
  return { wall: seconds, inner: json.seconds, rssMb: rss / 1024, uploaded: json.stats.blobsUploaded };
}

export default async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'shipline-bench-'));
  try {
    const small = await timed(() => writeSyntheticOci(join(dir, 'link-300mb.tar'), { platforms: ['linux/amd64', 'linux/arm64'], layersPerPlatform: 3, layerSize: 50e6, seed: 'bench-300' }));
    const mb = small.value.bytes / 1e6;
    out(`OCI tarball: ${mb.toFixed(0)} MB of layers, linux/amd64 + linux/arm64, 3 random layers each (made in ${small.seconds.toFixed(1)} s)`);

    const skopeo: number[] = [];
    const ours: { wall: number; inner: number; rssMb: number }[] = [];
    const leanRuns: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const s = await withRegistry((address) =>
        timed(() => run(['skopeo', 'copy', '--all', '--quiet', '--dest-tls-verify=false', `oci-archive:${small.value.file}`, `docker://${address}/bench/link:1`])),
      );
      skopeo.push(s.seconds);
      ours.push(await withRegistry((address) => shiplineImport(small.value.file, address)));
      leanRuns.push((await withRegistry((address) => shiplineImport(small.value.file, address, lean))).wall);
      out(`  round ${i + 1}: skopeo ${s.seconds.toFixed(2)} s | shipline ${ours[i]!.wall.toFixed(2)} s (import ${ours[i]!.inner.toFixed(2)} s after CLI start-up) | bundle command alone ${leanRuns[i]!.toFixed(2)} s`);
    }
    const sk = median(skopeo);
    const wall = median(ours.map((o) => o.wall));
    const inner = median(ours.map((o) => o.inner));
    out(`skopeo copy --all oci-archive → empty registry: ${sk.toFixed(2)} s (${(mb / sk).toFixed(0)} MB/s), median of ${rounds}`);
    out(`shipline bundle import → empty registry:        ${wall.toFixed(2)} s (${(mb / wall).toFixed(0)} MB/s), ratio ${(sk / wall).toFixed(2)}x (target ≥ 1.3x)`);
    out(`  of which the import itself:                   ${inner.toFixed(2)} s (${(mb / inner).toFixed(0)} MB/s), ratio ${(sk / inner).toFixed(2)}x`);
    const leanWall = median(leanRuns);
    out(`  bundle command alone (lazy command loading): ${leanWall.toFixed(2)} s (${(mb / leanWall).toFixed(0)} MB/s), ratio ${(sk / leanWall).toFixed(2)}x`);

    await withRegistry(async (address) => {
      await run(importArgs(small.value.file, address));
      const again = await shiplineImport(small.value.file, address);
      const alone = await shiplineImport(small.value.file, address, lean);
      out(`second import, everything present: ${again.wall.toFixed(2)} s CLI wall, ${alone.wall.toFixed(2)} s bundle command alone, ${again.inner.toFixed(3)} s import (target < 0.5 s); ${again.uploaded} blobs uploaded`);
    });
    rmSync(small.value.file);

    const help = await run(['/usr/bin/time', '-v', ...cli, '--help']);
    const baseline = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(help.stderr)?.[1] ?? NaN) / 1024;
    const big = await timed(() => writeSyntheticOci(join(dir, 'link-2gb.tar'), { platforms: ['linux/amd64', 'linux/arm64'], layersPerPlatform: 8, layerSize: 125e6, seed: 'bench-2g' }));
    const bigMb = big.value.bytes / 1e6;
    const peak = await withRegistry((address) => shiplineImport(big.value.file, address));
    const peakAlone = await withRegistry((address) => shiplineImport(big.value.file, address, lean));
    out(`~2 GB tarball (${bigMb.toFixed(0)} MB of layers, made in ${big.seconds.toFixed(1)} s): import ${peak.wall.toFixed(2)} s (${(bigMb / peak.wall).toFixed(0)} MB/s)`);
    out(`  peak RSS of the shipline process: ${peak.rssMb.toFixed(0)} MB (target < 150 MB); the same CLI running --help: ${baseline.toFixed(0)} MB, so the import adds ${(peak.rssMb - baseline).toFixed(0)} MB`);
    out(`  peak RSS of the bundle command alone (lazy command loading): ${peakAlone.rssMb.toFixed(0)} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
