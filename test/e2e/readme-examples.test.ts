// Every example the README marks (see test/support/readme-examples.ts for the markers and
// placeholders) is run as a user would, in a fresh copy of the project per README section,
// and its output compared with what the README shows: the README cannot drift from the CLI.
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { quoteArgv, run } from '../../pipelines/adapters/process.js';
import { matchesExample, parseReadme } from '../support/readme-examples.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = join(root, 'scripts', 'shipline.mjs');
const readme = parseReadme(readFileSync(join(root, 'README.md'), 'utf8'));

/** The project's files as a clone has them (no .git, no node_modules): where the examples run. */
async function projectCopy(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'shipline-readme-'));
  const files = (await run(['git', 'ls-files', '-z'], { cwd: root })).stdout.split('\0').filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(root, file), join(dir, file));
  }
  return dir;
}

/** A `shipline` on PATH, as an installed one would be. */
const bin = mkdtempSync(join(tmpdir(), 'shipline-readme-bin-'));
writeFileSync(join(bin, 'shipline'), `#!/bin/sh\nexec node ${quoteArgv([entry])} "$@"\n`);
chmodSync(join(bin, 'shipline'), 0o755);

// Variables that would change what a command prints (CI tags, the build clock, colour).
const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}`, NO_COLOR: '1' };
for (const name of ['SOURCE_DATE_EPOCH', 'SHIPLINE_GIT_TAG', 'CI_COMMIT_TAG', 'GITHUB_REF', 'GITHUB_REF_NAME', 'GITHUB_REF_TYPE', 'FORCE_COLOR', 'CI']) delete env[name];

const cache = env.SHIPLINE_CACHE ?? join(homedir(), '.cache', 'shipline');

describe('README examples', () => {
  it('every console block with `$ shipline` lines is marked as an example', () => {
    expect(readme.unmarked.map((line) => `README.md:${line}`)).toEqual([]);
    expect(readme.sections.length).toBeGreaterThan(0);
  });

  describe.each(readme.sections.map((s) => [s.heading, s] as const))('%s', (_heading, section) => {
    it('prints what the README shows', async () => {
      const project = await projectCopy();
      for (const step of section.steps) {
        if (step.kind === 'file') {
          writeFileSync(join(project, step.path), step.content);
          continue;
        }
        for (const example of step.commands) {
          const result = await run(['sh', '-c', example.command], { cwd: project, env, nothrow: true, timeoutMs: 120_000 });
          const where = `README.md:${example.line}: $ ${example.command}`;
          expect(result.exitCode, `${where}\n${result.stderr}`).toBe(example.exitCode);
          // A failing command's standard error is part of what it shows; a passing one's warnings
          // (which depend on the machine) are not.
          const actual = example.exitCode === 0 ? result.stdout : `${result.stdout}${result.stderr}`;
          const same = matchesExample(example.expected, actual, { project, home: homedir(), cache });
          // On a difference, show both texts for the diff.
          if (!same) expect(`${where}\n${actual.trimEnd()}`).toBe(`${where}\n${example.expected.trimEnd()}`);
        }
      }
    });
  });
});
