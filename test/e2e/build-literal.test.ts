// Build args and labels with shell metacharacters are passed literally: no shell runs them
// when building, the pushed image carries them byte for byte, and --dry-run prints them
// single-quoted so that pasting the line into a shell gives back the same argv.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quoteArgv, run } from '../../pipelines/adapters/process.js';
import { RegistryClient } from '../../pipelines/adapters/registry.js';
import { registryAddress } from '../../pipelines/stack/layout.js';
import { buildFixture } from '../support/build-fixture.js';
import { shipline } from '../support/cli.js';
import { imageConfig, imageFile } from '../support/image-files.js';

const nonce = randomBytes(4).toString('hex');
const pwned = `/tmp/pwned-${nonce}`;
// A directory that an interpreted `rm -rf` would remove (safer than the notes' `rm -rf /`).
const canary = mkdtempSync(join(tmpdir(), 'shipline-canary-'));
writeFileSync(join(canary, 'alive'), '');
const value = `$(touch ${pwned}) ; rm -rf ${canary} ; \`touch ${pwned}-bt\` | touch ${pwned}-pipe & 'single' "double" $HOME > ${pwned}-redir`;
const path = `e2e/literal-${nonce}`;
const fixture = buildFixture(path, { image: { buildArgs: { MARK: value }, labels: { 'test.literal': value } }, output: { push: true } });
const registry = new RegistryClient(registryAddress);

function expectNothingRan(): void {
  expect(readdirSync('/tmp').filter((name) => name.startsWith(`pwned-${nonce}`))).toEqual([]);
  expect(existsSync(join(canary, 'alive'))).toBe(true);
}

afterAll(() => rmSync(canary, { recursive: true, force: true }));

describe('shell metacharacters in build args and labels', () => {
  it('--dry-run prints them single-quoted, and a shell reading the line gets the argv back unchanged', async () => {
    const text = await shipline(['build', '--tag', 'lit', '--date', '2024-01-26', '--dry-run'], { cwd: fixture.dir });
    expect(text.exitCode, text.stderr).toBe(0);
    const json = await shipline(['build', '--tag', 'lit', '--date', '2024-01-26', '--dry-run', '--json'], { cwd: fixture.dir });
    expect(json.exitCode, json.stderr).toBe(0);
    const argv = (JSON.parse(json.stdout) as { plan: { passes: { argv: string[] }[] } }).plan.passes[0]!.argv;
    expect(argv).toContain(`MARK=${value}`);
    expect(argv).toContain(`test.literal=${value}`);

    const line = text.stdout.trim();
    expect(line).toContain(` --build-arg 'MARK=$(touch ${pwned}) ; rm -rf ${canary} ; \`touch ${pwned}-bt\` | touch ${pwned}-pipe & '\\''single'\\'' "double" $HOME > ${pwned}-redir' `);
    expect(line).toContain(` --label ${quoteArgv([`test.literal=${value}`])} `);
    const words = await run(['sh', '-c', `printf '%s\\0' ${line}`]);
    expect(words.stdout.split('\0').slice(0, -1)).toEqual(['BUILDKIT_PROGRESS=plain', 'BUILDX_BUILDER=shipline-local', ...argv]);
    expectNothingRan();
  });

  it('a real build runs nothing of them and the pushed image holds them byte for byte', async () => {
    const res = await shipline(['build', '--tag', 'lit', '--json'], { cwd: fixture.dir });
    expect(res.exitCode, res.stderr).toBe(0);
    expectNothingRan();
    const { platforms } = JSON.parse(res.stdout) as { platforms: { platform: string; digest: string }[] };
    expect(platforms.map((p) => p.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    for (const { digest } of platforms) {
      const config = await imageConfig(registry, path, digest);
      expect(config.config.Labels?.['test.literal']).toBe(value);
      // BuildKit records a RUN's build args in its history entry: `RUN |1 MARK=<value> /bin/sh -c …`.
      expect(config.history?.some((h) => h.created_by?.includes(`MARK=${value} `))).toBe(true);
      // The Dockerfile's RUN wrote "$MARK" to /mark: the value reached the build unchanged.
      expect((await imageFile(registry, path, digest, 'mark'))?.toString()).toBe(`${value}\n`);
    }
  });
});
