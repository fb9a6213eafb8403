// `shipline build` against the raw `docker buildx build` argv that `shipline build --dry-run`
// prints, side by side with hyperfine on the warm cache, both pushing both platforms of the
// sample service: once after a source change (COPY and RUN redone), once with nothing changed.
// Targets (issue 4): shipline's overhead < 0.5 s; a no-change build within 10 % of raw buildx.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { quoteArgv, run } from '../../pipelines/adapters/process.js';
import { projectRoot } from '../../pipelines/config/load.js';
import { baseImageRef, registryAddress } from '../../pipelines/stack/layout.js';
import { rounds, scaled } from './quick.js';

const cli = fileURLToPath(new URL('../shipline.mjs', import.meta.url));
const runs = rounds(10);
const out = (line: string) => process.stdout.write(`${line}\n`);

interface HyperfineResult {
  median: number;
  min: number;
  max: number;
}

async function hyperfine(commands: string[], options: { cwd: string; prepare?: string; env: NodeJS.ProcessEnv }): Promise<HyperfineResult[]> {
  const file = join(options.cwd, 'hyperfine.json');
  const prepare = options.prepare ? ['--prepare', options.prepare] : [];
  await run(['hyperfine', '-N', '--warmup', String(scaled(1, 0)), '--runs', String(runs), ...prepare, '--export-json', file, ...commands], {
    cwd: options.cwd,
    env: options.env,
    timeoutMs: 900_000,
  });
  return (JSON.parse(readFileSync(file, 'utf8')) as { results: HyperfineResult[] }).results;
}

/** The sample service's context in a git repository of its own, and a config pushing it. */
function context(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shipline-bench-build-'));
  cpSync(join(projectRoot, 'Dockerfile.musl'), join(dir, 'Dockerfile.musl'));
  cpSync(join(projectRoot, 'service'), join(dir, 'service'), { recursive: true });
  writeFileSync(join(dir, 'shipline.yaml'), stringify({
    image: { repository: `${registryAddress}/bench/link`, buildArgs: { VERSION: 'bench', BASE: baseImageRef } },
    output: { push: true },
  }));
  return dir;
}

const s = (seconds: number) => `${seconds.toFixed(2)} s`;

export default async function bench(): Promise<void> {
  const dir = context();
  const env = { ...process.env, CI: 'true' };
  try {
    await run(['sh', '-c', 'git init -q && git add -A && git -c user.name=bench -c user.email=bench@localhost commit -qm bench'], { cwd: dir });
    // A fixed clock and tag: both sides build the same image (same labels) every run.
    const args = ['build', '--tag', 'bench', '--date', '2024-01-26', '--force'];
    const planned = await run(['node', cli, ...args, '--dry-run', '--json'], { cwd: dir, env });
    const pass = (JSON.parse(planned.stdout) as { plan: { passes: { argv: string[]; env: Record<string, string>; metadataFile: string }[] } }).plan.passes;
    if (pass.length !== 1) throw new Error(`expected one build pass, got ${pass.length}`);
    const raw = pass[0]!.argv.map((arg) => (arg === pass[0]!.metadataFile ? join(dir, 'raw-metadata.json') : arg));
    const commands = [quoteArgv(['node', cli, ...args]), quoteArgv(raw)];
    const benchEnv = { ...env, ...pass[0]!.env };
    await run(['node', cli, ...args], { cwd: dir, env: benchEnv, timeoutMs: 600_000 });

    out(`sample service, linux/amd64 + linux/arm64, push to ${registryAddress}/bench/link:bench, warm cache; hyperfine -N, ${runs} runs + 1 warm-up each`);
    out(`  raw: ${quoteArgv(raw).slice(0, 110)}…`);
    // Inside a folder Dockerfile.musl copies: each run's build really has a changed source.
    const nonce = join(dir, 'service', 'cgi-bin', 'bench-nonce');
    const prepare = quoteArgv(['node', '-e', `require('fs').writeFileSync(${JSON.stringify(nonce)}, String(Math.random()))`]);
    const [changedOurs, changedRaw] = await hyperfine(commands, { cwd: dir, prepare, env: benchEnv });
    rmSync(nonce, { force: true });
    await run(['node', cli, ...args], { cwd: dir, env: benchEnv, timeoutMs: 600_000 });
    const [sameOurs, sameRaw] = await hyperfine(commands, { cwd: dir, env: benchEnv });

    const line = (label: string, ours: HyperfineResult, peer: HyperfineResult) => {
      const overhead = ours.median - peer.median;
      out(`  ${label}: shipline build ${s(ours.median)} median [${s(ours.min)}–${s(ours.max)}] | raw docker buildx build ${s(peer.median)} median [${s(peer.min)}–${s(peer.max)}]`);
      out(`    overhead ${overhead >= 0 ? '+' : ''}${s(overhead)} (target < 0.50 s: ${overhead < 0.5 ? 'met' : 'MISSED'}), ratio shipline/raw ${(ours.median / peer.median).toFixed(3)}x`);
    };
    line('after a source change', changedOurs!, changedRaw!);
    line('nothing changed      ', sameOurs!, sameRaw!);
    const ratio = sameOurs!.median / sameRaw!.median;
    out(`  second build with nothing changed: ${((ratio - 1) * 100).toFixed(1)} % beyond raw buildx (target within 10 %: ${ratio <= 1.1 ? 'met' : 'MISSED'})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
