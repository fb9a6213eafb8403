// `shipline build` refuses bad input before building (exit 2), names what the builder lacks
// (exit 3), and shows the failing step of a broken Dockerfile (exit 1) — each time with
// nothing pushed and no tarball written.
import { randomBytes } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RegistryClient } from '../../pipelines/adapters/registry.js';
import { baseImageRef, registryAddress } from '../../pipelines/stack/layout.js';
import { buildFixture } from '../support/build-fixture.js';
import { shipline } from '../support/cli.js';

const registry = new RegistryClient(registryAddress);

function fixture(config: Record<string, unknown> = {}) {
  const path = `e2e/faults-${randomBytes(4).toString('hex')}`;
  return { path, ...buildFixture(path, { output: { push: true, oci: 'link_{tag}.tar' }, ...config }) };
}

/** Nothing pushed to the repository, no tarball next to the config, nothing built. */
async function expectNothingChanged(f: { dir: string; path: string }, res: { stdout: string; stderr: string }): Promise<void> {
  expect(await registry.tags(f.path)).toEqual([]);
  expect(readdirSync(f.dir, { recursive: true }).filter((name) => String(name).endsWith('.tar'))).toEqual([]);
  expect(res.stderr).not.toContain('[internal] load build definition');
  expect(res.stdout).toBe('');
}

describe('--tag that is not an OCI tag: exit 2', () => {
  it.each([['bad tag'], ['-x'], ['t'.repeat(129)], ['v1+build']])('%s', async (tag) => {
    const f = fixture();
    const res = await shipline(['build', '--tag', tag], { cwd: f.dir });
    expect(res.exitCode, res.stderr).toBe(2);
    expect(res.stderr).toContain(`shipline: --tag: ${JSON.stringify(tag)} is not a valid tag: must be date, semver, or a literal tag of [A-Za-z0-9_.-], at most 128 characters`);
    expect(res.stderr).toContain('fix: a tag starts with a letter, digit or _');
    await expectNothingChanged(f, res);
  });

  it('128 characters is still a tag (dry-run)', async () => {
    const f = fixture();
    const res = await shipline(['build', '--tag', 't'.repeat(128), '--dry-run'], { cwd: f.dir });
    expect(res.exitCode, res.stderr).toBe(0);
    // the image's name in the OCI tarball (the push is by digest, the tag written afterwards)
    expect(res.stdout).toContain(`${f.repository}:${'t'.repeat(128)} `);
  });
});

describe('OCI tarball in a directory that does not exist: exit 2', () => {
  it('--oci names the flag and the path', async () => {
    const f = fixture();
    const res = await shipline(['build', '--tag', 'v1', '--oci', 'missing/dir/out.tar'], { cwd: f.dir });
    expect(res.exitCode, res.stderr).toBe(2);
    expect(res.stderr).toContain(`shipline: --oci: the directory of ${join(f.dir, 'missing/dir/out.tar')} does not exist`);
    expect(res.stderr).toContain(`fix: create ${join(f.dir, 'missing/dir')} first, or point --oci at a path in an existing directory`);
    await expectNothingChanged(f, res);
  });

  it('output.oci names the file, the field and the path with its tag', async () => {
    const f = fixture({ output: { push: true, oci: 'nowhere/link_{tag}.tar' } });
    const res = await shipline(['build', '--date', '2024-01-26'], { cwd: f.dir });
    expect(res.exitCode, res.stderr).toBe(2);
    expect(res.stderr).toContain(`shipline: shipline.yaml: output.oci: the directory of ${join(f.dir, 'nowhere/link_20240126.tar')} does not exist`);
    expect(res.stderr).toContain('point output.oci at a path in an existing directory');
    await expectNothingChanged(f, res);
  });
});

describe('platforms', () => {
  it('a well-formed platform the builder lacks: exit 3 with the fix', async () => {
    const f = fixture();
    const res = await shipline(['build', '--tag', 'v1', '--platform', 'linux/amd64,linux/sparc'], { cwd: f.dir });
    expect(res.exitCode, res.stderr).toBe(3);
    expect(res.stderr).toMatch(/shipline: builder shipline-local does not support linux\/sparc \(it lists linux\/amd64,? .*linux\/arm64/);
    expect(res.stderr).toContain('fix: add a builder node for that platform under builder.nodes');
    await expectNothingChanged(f, res);
  });

  it('a platform that is not os/arch: exit 2', async () => {
    const f = fixture();
    const res = await shipline(['build', '--tag', 'v1', '--platform', 'amd64'], { cwd: f.dir });
    expect(res.exitCode, res.stderr).toBe(2);
    expect(res.stderr).toContain('shipline: --platform: "amd64" must look like os/arch[/variant], e.g. linux/arm64');
    expect(res.stderr).toContain('fix: e.g. --platform linux/amd64,linux/arm64');
    await expectNothingChanged(f, res);
  });
});

describe('image.repository that is not a valid reference: exit 2', () => {
  it.each([['Bad/Name'], [`${registryAddress}/bad name`], [`${registryAddress}/modco/link:v1`]])('%s', async (repository) => {
    const f = fixture();
    writeFileSync(join(f.dir, 'shipline.yaml'), `image:\n  repository: ${JSON.stringify(repository)}\noutput:\n  oci: link_{tag}.tar\n`);
    const res = await shipline(['build', '--tag', 'v1'], { cwd: f.dir });
    expect(res.exitCode, res.stderr).toBe(2);
    expect(res.stderr).toContain('shipline: shipline.yaml: image.repository: must be an image repository such as modco/link or 127.0.0.1:5000/modco/link (lowercase, no tag)');
    await expectNothingChanged(f, res);
  });
});

describe('a Dockerfile that fails to build: exit 1', () => {
  it('shows the failing step, its line, the reason and the log tail; pushes nothing, leaves no tarball', async () => {
    const f = fixture();
    const marker = `before-fail-${randomBytes(4).toString('hex')}`;
    writeFileSync(join(f.dir, 'Dockerfile.musl'), `FROM ${baseImageRef}\nRUN echo ${marker} && exit 3\n`);
    const res = await shipline(['build', '--tag', 'v1'], { cwd: f.dir });
    expect(res.exitCode, res.stderr).toBe(1);
    const message = res.stderr.slice(res.stderr.lastIndexOf('shipline: '));
    expect(message).toMatch(new RegExp(`^shipline: the build failed at \\[linux/(amd64|arm64) 2/2\\] RUN echo ${marker} && exit 3 \\(Dockerfile\\.musl:2\\): process "/bin/sh -c echo ${marker} && exit 3" did not complete successfully: exit code: 3\\nlast lines of the build log:\\n`));
    expect(message.split('last lines of the build log:\n')[1]).toMatch(new RegExp(`^\\d+\\.\\d+ ${marker}$`, 'm'));
    expect(await registry.tags(f.path)).toEqual([]);
    expect(readdirSync(f.dir).filter((name) => name.endsWith('.tar'))).toEqual([]);
  });
});
