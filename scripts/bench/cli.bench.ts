// CLI start and `release --dry-run` of a project `shipline init` made (the sample service,
// pushed to the local stack's registry), timed with hyperfine side by side with the peer a
// user would otherwise run (`docker buildx version`).
// Budgets (issue 7): start < 300 ms, release --dry-run < 1.5 s wall.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { run } from '../../pipelines/adapters/process.js';
import { projectRoot } from '../../pipelines/project-root.js';
import { baseImageRef, registryAddress } from '../../pipelines/stack/layout.js';
import { rounds, scaled } from './quick.js';

const cli = fileURLToPath(new URL('../shipline.mjs', import.meta.url));

interface HyperfineResult {
  command: string;
  median: number;
  min: number;
  max: number;
}

async function hyperfine(commands: string[], runs: number, cwd: string): Promise<HyperfineResult[]> {
  const out = join(mkdtempSync(join(tmpdir(), 'shipline-bench-')), 'result.json');
  await run(['hyperfine', '-N', '--warmup', String(scaled(2, 0)), '--runs', String(rounds(runs)), '--export-json', out, ...commands], { cwd, timeoutMs: 600_000 });
  return (JSON.parse(readFileSync(out, 'utf8')) as { results: HyperfineResult[] }).results;
}

const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;

/** A folder with the sample service and the shipline.yaml `shipline init` writes, aimed at the local stack. */
async function project(): Promise<string> {
  const cwd = mkdtempSync(join(tmpdir(), 'shipline-bench-cwd-'));
  cpSync(join(projectRoot, 'Dockerfile.musl'), join(cwd, 'Dockerfile.musl'));
  cpSync(join(projectRoot, 'service'), join(cwd, 'service'), { recursive: true });
  await run(['node', cli, 'init'], { cwd });
  const config = parseDocument(readFileSync(join(cwd, 'shipline.yaml'), 'utf8'));
  config.setIn(['image', 'repository'], `${registryAddress}/bench/cli`);
  config.setIn(['image', 'dockerfile'], 'Dockerfile.musl');
  config.setIn(['image', 'buildArgs'], { VERSION: 'bench', BASE: baseImageRef });
  writeFileSync(join(cwd, 'shipline.yaml'), config.toString());
  await run(['node', cli, 'release', '--dry-run'], { cwd }); // fails here, not in hyperfine, if the project is wrong
  return cwd;
}

export default async function bench(): Promise<void> {
  const cwd = await project();
  const [start, peer] = await hyperfine([`node ${cli} --version`, 'docker buildx version'], 20, cwd);
  process.stdout.write(
    `CLI start (shipline --version): ${ms(start!.median)} median [${ms(start!.min)}–${ms(start!.max)}] (budget 300 ms, ${(start!.median / 0.3).toFixed(2)}x of budget)\n` +
      `  peer docker buildx version: ${ms(peer!.median)} median; shipline/peer ${(start!.median / peer!.median).toFixed(2)}x\n`,
  );
  const [help] = await hyperfine([`node ${cli} --help`], 10, cwd);
  process.stdout.write(`CLI help (loads every command): ${ms(help!.median)} median\n`);
  const [dry] = await hyperfine([`node ${cli} release --dry-run`], 5, cwd);
  process.stdout.write(
    `release --dry-run, shipline init project, local stack: ${ms(dry!.median)} median [${ms(dry!.min)}–${ms(dry!.max)}] (budget 1500 ms, ${(dry!.median / 1.5).toFixed(2)}x of budget)\n`,
  );
}
