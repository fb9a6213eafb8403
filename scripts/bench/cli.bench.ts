// CLI start and `release --dry-run` on the embedded default, timed with hyperfine side
// by side with the peer a user would otherwise run (`docker buildx version`).
// Budgets (issue 7): start < 300 ms, release --dry-run < 1.5 s wall.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../pipelines/adapters/process.js';

const cli = fileURLToPath(new URL('../shipline.mjs', import.meta.url));

interface HyperfineResult {
  command: string;
  median: number;
  min: number;
  max: number;
}

async function hyperfine(commands: string[], runs: number, cwd: string): Promise<HyperfineResult[]> {
  const out = join(mkdtempSync(join(tmpdir(), 'shipline-bench-')), 'result.json');
  await run(['hyperfine', '-N', '--warmup', '2', '--runs', String(runs), '--export-json', out, ...commands], { cwd, timeoutMs: 600_000 });
  return (JSON.parse(readFileSync(out, 'utf8')) as { results: HyperfineResult[] }).results;
}

const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;

export default async function bench(): Promise<void> {
  const cwd = mkdtempSync(join(tmpdir(), 'shipline-bench-cwd-'));
  const [start, peer] = await hyperfine([`node ${cli} --version`, 'docker buildx version'], 20, cwd);
  process.stdout.write(
    `CLI start (shipline --version): ${ms(start!.median)} median [${ms(start!.min)}–${ms(start!.max)}] (budget 300 ms, ${(start!.median / 0.3).toFixed(2)}x of budget)\n` +
      `  peer docker buildx version: ${ms(peer!.median)} median; shipline/peer ${(start!.median / peer!.median).toFixed(2)}x\n`,
  );
  const [help] = await hyperfine([`node ${cli} --help`], 10, cwd);
  process.stdout.write(`CLI help (loads every command): ${ms(help!.median)} median\n`);
  const [dry] = await hyperfine([`node ${cli} release --dry-run`], 5, cwd);
  process.stdout.write(
    `release --dry-run, embedded default, local stack: ${ms(dry!.median)} median [${ms(dry!.min)}–${ms(dry!.max)}] (budget 1500 ms, ${(dry!.median / 1.5).toFixed(2)}x of budget)\n`,
  );
}
