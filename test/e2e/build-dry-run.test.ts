// `build --dry-run` prints the commands the real build then runs: the same argv (paths of the
// metadata files and the OCI tarball included), the same environment and the same folder.
// The real run is observed through a `docker` on PATH that logs each call and hands it to the
// real docker, so buildx and BuildKit do the build.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quoteArgv, run } from '../../pipelines/adapters/process.js';
import { RegistryClient } from '../../pipelines/adapters/registry.js';
import { registryAddress } from '../../pipelines/stack/layout.js';
import { buildFixture } from '../support/build-fixture.js';
import { shipline } from '../support/cli.js';

interface DockerCall {
  cwd: string;
  env: Record<string, string>;
  argv: string[];
}

/** A folder with a `docker` that appends each call (folder, environment, argv) to a log, then runs the real one. */
async function loggingDocker(names: string[]): Promise<{ bin: string; calls: () => DockerCall[] }> {
  const real = (await run(['sh', '-c', 'command -v docker'])).stdout.trim();
  const bin = mkdtempSync(join(tmpdir(), 'shipline-docker-log-'));
  const log = join(bin, 'calls.jsonl');
  const envJson = names.map((n) => `"${n}":"'"$${n}"'"`).join(',');
  writeFileSync(join(bin, 'docker'), [
    '#!/bin/sh',
    `node -e 'process.stdout.write(JSON.stringify({cwd: process.cwd(), env: {${envJson}}, argv: process.argv.slice(1)}) + "\\n")' -- "$@" >> ${quoteArgv([log])}`,
    `exec ${quoteArgv([real])} "$@"`,
    '',
  ].join('\n'));
  chmodSync(join(bin, 'docker'), 0o755);
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as DockerCall) : []);
  return { bin, calls };
}

describe('build --dry-run prints what the real build runs', () => {
  it('the same commands, environment and folder, for a push and an OCI tarball in two passes', async () => {
    const path = `e2e/dry-run-${randomBytes(4).toString('hex')}`;
    const f = buildFixture(path, { output: { push: true, oci: 'out_{tag}.tar', combine: 'never' } });
    // Run from another folder than the config's: the build runs in the config's folder.
    const elsewhere = mkdtempSync(join(tmpdir(), 'shipline-elsewhere-'));
    const args = ['build', '--config', f.configFile, '--tag', 'v1', '--date', '2024-01-26'];

    const dry = await shipline([...args, '--dry-run'], { cwd: elsewhere });
    expect(dry.exitCode, dry.stderr).toBe(0);
    const printed = dry.stdout.trimEnd().split('\n');
    expect(printed[0]).toBe(quoteArgv(['cd', f.dir]));
    // The commands, then a comment naming the tag shipline writes itself after the push.
    expect(printed.at(-1)).toMatch(/^# then shipline tags \S+:v1 with the pushed index's digest/);
    const builds = printed.slice(1, -1);
    expect(builds).toHaveLength(2);
    expect(await new RegistryClient(registryAddress).tags(path)).toEqual([]);

    const docker = await loggingDocker(['BUILDKIT_PROGRESS', 'BUILDX_BUILDER']);
    const real = await shipline(args, { cwd: elsewhere, env: { PATH: `${docker.bin}${delimiter}${process.env.PATH}` } });
    expect(real.exitCode, real.stderr).toBe(0);
    const ran = docker.calls().filter((c) => c.argv[0] === 'buildx' && c.argv[1] === 'build');
    expect(ran).toHaveLength(2);
    const asPrinted = ran.map((c) => [
      ...Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
      quoteArgv(['docker', ...c.argv]),
    ].join(' '));
    expect(asPrinted).toEqual(builds);
    expect(ran.every((c) => c.cwd === f.dir)).toBe(true);
    // The metadata files the commands name are the ones the real run read (and then removed).
    expect(builds.every((line) => /--metadata-file \S+\/build\/127\.0\.0\.1_5000_e2e_dry-run-[0-9a-f]+_v1\/metadata-[12]\.json /.test(line))).toBe(true);
    expect(real.stdout).toContain(`pinned   ${f.repository}@sha256:`);
    expect(existsSync(join(f.dir, 'out_v1.tar'))).toBe(true);
  });
});
