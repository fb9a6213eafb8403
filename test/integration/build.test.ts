// The build pipeline against the real BuildKit, buildx and registry of the stack.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RegistryClient, type ImageIndex, type ImageManifest } from '../../pipelines/adapters/registry.js';
import { readOciTarball } from '../../pipelines/bundle/layout-source.js';
import { build } from '../../pipelines/build/run.js';
import { loadConfig } from '../../pipelines/config/load.js';
import { PreconditionError } from '../../pipelines/errors.js';
import { registryAddress } from '../../pipelines/stack/layout.js';
import { buildFixture } from '../support/build-fixture.js';

const registry = new RegistryClient(registryAddress);
const clock = new Date('2024-01-26T08:00:00Z');

describe('build pipeline', () => {
  const path = `it/build-${randomBytes(4).toString('hex')}`;
  const fixture = buildFixture(path, { output: { push: true, oci: 'link_{tag}.tar' }, image: { buildArgs: { MARK: 'first' } } });

  it('pushes both platforms and writes the OCI tarball in one build, returning the digests it pinned', async () => {
    const result = await build({ loaded: loadConfig(fixture.configFile), clock, fixedDate: true });
    expect(result.plan.passes).toHaveLength(1);
    expect(result.tag.tag).toBe('20240126');
    const pushed = await registry.manifest<ImageIndex>(path, '20240126');
    expect(result.indexDigest).toBe(pushed!.digest);
    expect(result.pinned).toBe(`${fixture.repository}@${pushed!.digest}`);
    expect(result.platforms!.map((p) => p.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    for (const { digest } of result.platforms!) {
      const manifest = await registry.manifest<ImageManifest>(path, digest);
      const config = JSON.parse((await registry.blob(path, manifest!.body.config.digest)).toString('utf8')) as {
        config: { Labels: Record<string, string> };
      };
      expect(config.config.Labels['org.opencontainers.image.version']).toBe('20240126');
      expect(config.config.Labels['org.opencontainers.image.created']).toBe('2024-01-26T08:00:00.000Z');
    }
    const ociPath = join(fixture.dir, 'link_20240126.tar');
    expect(result.ociPath).toBe(ociPath);
    const { image } = await readOciTarball(ociPath, 'link');
    expect(image.platforms.map((p) => p.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
  });

  it('never overwrites: the same date gets the next free YYYYMMDD.N', async () => {
    const before = await registry.manifest<ImageIndex>(path, '20240126');
    const result = await build({ loaded: loadConfig(fixture.configFile), clock, fixedDate: true, overrides: { oci: false } });
    expect(result.tag).toEqual({ tag: '20240126.1', requested: '20240126', source: 'date' });
    expect((await registry.tags(path)).sort()).toEqual(['20240126', '20240126.1']);
    expect((await registry.manifest<ImageIndex>(path, '20240126'))!.digest).toBe(before!.digest);
  });

  it('refuses a literal tag that exists (exit 3) and leaves the registry as it was', async () => {
    const error = await build({ loaded: loadConfig(fixture.configFile), clock, tag: '20240126', overrides: { oci: false } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionError);
    expect((error as PreconditionError).message).toContain(`${fixture.repository}:20240126 already exists`);
    expect((await registry.tags(path)).sort()).toEqual(['20240126', '20240126.1']);
  });

  it('tags a CI release from its git tag as semver, pre-release kept', async () => {
    const result = await build({
      loaded: loadConfig(fixture.configFile),
      clock,
      tag: 'semver',
      env: { GITHUB_REF_TYPE: 'tag', GITHUB_REF_NAME: 'v1.4.0-rc.2' },
      overrides: { oci: false, platforms: ['linux/arm64'] },
    });
    expect(result.tag.tag).toBe('1.4.0-rc.2');
    expect(result.platforms!.map((p) => p.platform)).toEqual(['linux/arm64']);
    expect(await registry.tags(path)).toContain('1.4.0-rc.2');
  });

  it('fails preflight with the fix when the builder lacks a platform (exit 3), before building', async () => {
    const error = await build({ loaded: loadConfig(fixture.configFile), clock, tag: 'never-built', overrides: { platforms: ['linux/s390x'], oci: false } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionError);
    expect((error as Error).message).toContain('does not support linux/s390x');
    expect(await registry.tags(path)).not.toContain('never-built');
    expect(existsSync(join(fixture.dir, 'link_never-built.tar'))).toBe(false);
  });
});
