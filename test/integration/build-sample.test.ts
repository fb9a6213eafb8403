// Issue 4, done when: the sample service (Dockerfile.musl) built for both platforms through
// the real builder, pushed and written as an OCI tarball; both indexes checked, the busybox
// of each image is an ELF of its architecture, and both images answer in the real dockerd.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { isIndexMediaType, platformString, RegistryClient, type ImageIndex, type ImageManifest } from '../../pipelines/adapters/registry.js';
import { readOciTarball } from '../../pipelines/bundle/layout-source.js';
import { build, type BuildResult } from '../../pipelines/build/run.js';
import { loadConfig, projectRoot } from '../../pipelines/config/load.js';
import { baseImageRef, registryAddress } from '../../pipelines/stack/layout.js';
import { elfMachine, elfMachines, imageConfig, imageFile } from '../support/image-files.js';
import { smokeRun } from '../support/smoke.js';

const nonce = randomBytes(4).toString('hex');
const path = `it/link-${nonce}`;
const repository = `${registryAddress}/${path}`;
const version = `sample-${nonce}`;
const registry = new RegistryClient(registryAddress);
const arches = { 'linux/amd64': 'x86_64', 'linux/arm64': 'aarch64' } as const;
type Platform = keyof typeof arches;

let dir: string;
let result: BuildResult;
const digestOf = (platform: Platform) => result.platforms!.find((p) => p.platform === platform)!.digest;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shipline-sample-'));
  const configFile = join(dir, 'shipline.yaml');
  writeFileSync(configFile, stringify({
    image: {
      repository,
      dockerfile: join(projectRoot, 'Dockerfile.musl'),
      context: projectRoot,
      platforms: Object.keys(arches),
      buildArgs: { VERSION: version, BASE: baseImageRef },
    },
    output: { push: true, oci: 'link_{tag}.tar' },
  }));
  result = await build({ loaded: loadConfig(configFile), clock: new Date('2024-01-26T12:00:00Z'), fixedDate: true });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the sample service, built for linux/amd64 and linux/arm64', () => {
  it('is pushed as an index of both platforms, pinned by the digest the build returned', async () => {
    expect(result.tag.tag).toBe('20240126');
    const pushed = await registry.manifest<ImageIndex>(path, '20240126');
    expect(isIndexMediaType(pushed!.mediaType)).toBe(true);
    expect(result.pinned).toBe(`${repository}@${pushed!.digest}`);
    const platforms = pushed!.body.manifests.filter((m) => m.platform?.os !== 'unknown');
    expect(platforms.map((m) => platformString(m.platform!)).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(result.platforms!.map((p) => [p.platform, p.digest]).sort()).toEqual(platforms.map((m) => [platformString(m.platform!), m.digest]).sort());
  });

  it('is written as an OCI tarball whose index holds the same platform manifests', async () => {
    expect(result.ociPath).toBe(join(dir, 'link_20240126.tar'));
    const { image } = await readOciTarball(result.ociPath!, 'sample');
    expect(image.platforms.map((p) => [p.platform, p.digest]).sort()).toEqual(result.platforms!.map((p) => [p.platform, p.digest]).sort());
    for (const { digest } of result.platforms!) {
      const inTar = JSON.parse(image.children.find((c) => c.descriptor.digest === digest)!.raw.toString('utf8')) as ImageManifest;
      const inRegistry = (await registry.manifest<ImageManifest>(path, digest))!.body;
      expect(inTar.layers.map((l) => l.digest)).toEqual(inRegistry.layers.map((l) => l.digest));
    }
  });

  it.each(Object.entries(arches))('%s: config, /bin/busybox ELF machine, version and arch files', async (platform, arch) => {
    const digest = digestOf(platform as Platform);
    const config = await imageConfig(registry, path, digest);
    expect(`${config.os}/${config.architecture}`).toBe(platform);
    expect(config.config.Labels?.['org.opencontainers.image.version']).toBe('20240126');
    const busybox = await imageFile(registry, path, digest, 'bin/busybox');
    expect(busybox, 'bin/busybox in the layers').toBeDefined();
    expect(elfMachine(busybox!)).toBe(elfMachines[arch]);
    expect((await imageFile(registry, path, digest, 'www/arch'))?.toString()).toBe(`${arch}\n`);
    expect((await imageFile(registry, path, digest, 'www/version'))?.toString()).toBe(`${version}\n`);
  });

  it.each(Object.entries(arches))('%s: runs in the stack\'s dockerd and answers with its version and arch', async (platform, arch) => {
    const { answer, imageArchitecture } = await smokeRun(`${repository}@${digestOf(platform as Platform)}`, platform);
    expect(imageArchitecture).toBe(platform.split('/')[1]);
    expect(answer).toEqual({ service: 'link', version, arch });
  });
});
