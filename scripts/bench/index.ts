// `npm run bench`: runs every scripts/bench/*.bench.ts (or those named on the command
// line) one after the other; each prints its ratios against the peer tool. `--quick`: one
// round each on small inputs (scripts/bench/quick.ts), to prove they all run.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBenchTools } from '../../pipelines/stack/stack.js';

const dir = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
if (args.includes('--quick')) process.env.SHIPLINE_BENCH_QUICK = '1';
const wanted = args.filter((a) => a !== '--quick');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
if (files.length === 0) {
  process.stderr.write(`no benchmark matches ${wanted.join(' ')}\n`);
  process.exit(2);
}
// The peers the benchmarks compare against, installed like the stack's own parts.
await ensureBenchTools((line) => process.stderr.write(`${line}\n`));
for (const file of files) {
  process.stdout.write(`\n== ${file}\n`);
  const mod = (await import(pathToFileURL(`${dir}/${file}`).href)) as { default: () => Promise<void> };
  await mod.default();
}
