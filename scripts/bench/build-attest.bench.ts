// What SBOM + provenance cost a build (issue 28): `shipline build` of the sample service, both
// platforms pushed, after a source change (so BuildKit scans anew), with attest.sbom (the
// stack's scanner image, syft) and attest.provenance (mode=max) against the same build without
// them, side by side with hyperfine. `npm run bench -- build` runs it after build.bench.ts.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { quoteArgv, run } from '../../pipelines/adapters/process.js';
import { projectRoot } from '../../pipelines/config/load.js';
import { baseImageRef, registryAddress, sbomScannerRef } from '../../pipelines/stack/layout.js';

const cli = fileURLToPath(new URL('../shipline.mjs', import.meta.url));
/** Each run is a full build of both platforms (and, with attestations, two scans). */
const runs = 5;
const out = (line: string) => process.stdout.write(`${line}\n`);
const s = (seconds: number) => `${seconds.toFixed(2)} s`;

interface HyperfineResult {
  median: number;
  min: number;
  max: number;
}

/** The sample service in a git repository of its own; shipline.yaml without, attest.yaml with attestations. */
function context(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shipline-bench-attest-'));
  cpSync(join(projectRoot, 'Dockerfile.musl'), join(dir, 'Dockerfile.musl'));
  cpSync(join(projectRoot, 'service'), join(dir, 'service'), { recursive: true });
  const image = { repository: `${registryAddress}/bench/link`, buildArgs: { VERSION: 'bench', BASE: baseImageRef } };
  writeFileSync(join(dir, 'shipline.yaml'), stringify({ image, output: { push: true } }));
  writeFileSync(join(dir, 'attest.yaml'), stringify({
    image: { ...image, repository: `${registryAddress}/bench/link-attest` },
    output: { push: true },
    attest: { sbom: true, provenance: true, scanner: sbomScannerRef },
  }));
  return dir;
}

export default async function bench(): Promise<void> {
  const dir = context();
  const env = { ...process.env, CI: 'true' };
  try {
    await run(['sh', '-c', 'git init -q && git add -A && git -c user.name=bench -c user.email=bench@localhost commit -qm bench'], { cwd: dir });
    const args = ['build', '--tag', 'bench', '--date', '2024-01-26', '--force'];
    const commands = [quoteArgv(['node', cli, ...args]), quoteArgv(['node', cli, ...args, '-c', 'attest.yaml'])];
    // Under service/cgi-bin/, which Dockerfile.musl copies: the image changes, so BuildKit scans
    // it anew (a file elsewhere in service/ is not copied and every step would be cached).
    const nonce = join(dir, 'service', 'cgi-bin', 'bench-nonce');
    const prepare = quoteArgv(['node', '-e', `require('fs').writeFileSync(${JSON.stringify(nonce)}, String(Math.random()))`]);
    const file = join(dir, 'hyperfine.json');
    await run(['hyperfine', '-N', '--warmup', '1', '--runs', String(runs), '--prepare', prepare, '--export-json', file, ...commands], {
      cwd: dir, env, timeoutMs: 1_800_000,
    });
    const [plain, attested] = (JSON.parse(readFileSync(file, 'utf8')) as { results: HyperfineResult[] }).results;
    const extra = attested!.median - plain!.median;
    out(`sample service, linux/amd64 + linux/arm64, pushed, after a source change; hyperfine -N, ${runs} runs + 1 warm-up each`);
    out(`  SBOM: ${sbomScannerRef}; provenance: mode=max`);
    out(`  without attestations: ${s(plain!.median)} median [${s(plain!.min)}–${s(plain!.max)}]`);
    out(`  with SBOM + provenance: ${s(attested!.median)} median [${s(attested!.min)}–${s(attested!.max)}]`);
    out(`  overhead of SBOM + provenance: ${extra >= 0 ? '+' : ''}${s(extra)} per build, ratio with/without ${(attested!.median / plain!.median).toFixed(3)}x`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
