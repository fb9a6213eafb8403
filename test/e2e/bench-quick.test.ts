// `npm run bench` cannot break unnoticed: every benchmark runs end to end in quick mode
// (one round each, small inputs) on the local stack, exits 0, and prints its figures.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { run } from '../../pipelines/adapters/process.js';
import { projectRoot } from '../../pipelines/project-root.js';

const benchmarks = readdirSync(join(projectRoot, 'scripts', 'bench')).filter((f) => f.endsWith('.bench.ts')).sort();

it('npm run bench -- --quick: every benchmark runs and prints its figures', async () => {
  const result = await run(['npm', 'run', '--silent', 'bench', '--', '--quick'], { cwd: projectRoot, nothrow: true, timeoutMs: 540_000 });
  expect(result.stderr.trim().split('\n').slice(-5).join('\n'), 'the last lines on stderr').not.toMatch(/Error|error:/);
  expect(result.exitCode).toBe(0);
  const sections = result.stdout.split(/^== /m).slice(1);
  expect(sections.map((s) => s.split('\n')[0])).toEqual(benchmarks);
  for (const section of sections) {
    const [name, ...lines] = section.trim().split('\n');
    // Figures: at least one measured time or ratio, and no NaN where one should be.
    expect(lines.join('\n'), name).toMatch(/\d+(\.\d+)? ?(ms|s|x)\b/);
    expect(lines.join('\n'), name).not.toMatch(/\bNaN\b/);
  }
  const apply = sections.find((s) => s.startsWith('apply.bench.ts'))!;
  expect(apply).toMatch(/kubectl apply --server-side: +\d+ ms/);
  expect(apply).toMatch(/shipline apply \(dry-run all, commit\): +\d+ ms/);
  expect(apply).toMatch(/one-pass floor \(apply --dry-run=server\): +\d+ ms/);
});
