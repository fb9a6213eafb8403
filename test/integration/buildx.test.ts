// A real two-platform build through docker buildx and the stack's BuildKit, pushed to
// the real local registry and written as an OCI tarball in the same build.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../pipelines/adapters/process.js';
import { platformString, RegistryClient, type ImageIndex, type ImageManifest } from '../../pipelines/adapters/registry.js';
import { baseImageRef, builderName, registryAddress } from '../../pipelines/stack/layout.js';
import { readTar } from '../support/tar.js';

const nonce = randomBytes(6).toString('hex');
const repository = 'smoke/buildx';
const registry = new RegistryClient(registryAddress);
let dir: string;
const ociTar = () => join(dir, 'image.tar');

async function fileInLastLayer(manifest: ImageManifest, path: string): Promise<string | undefined> {
  const layer = manifest.layers.at(-1);
  if (!layer) return undefined;
  const files = await readTar(await registry.blob(repository, layer.digest), true);
  return files.get(path)?.toString('utf8').trim();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shipline-smoke-'));
  writeFileSync(
    join(dir, 'Dockerfile'),
    `FROM ${baseImageRef}\nARG NONCE\nRUN uname -m > /arch.txt && echo "$NONCE" > /nonce.txt\n`,
  );
  await run(
    [
      'docker', 'buildx', 'build', '--builder', builderName,
      '--platform', 'linux/amd64,linux/arm64',
      '--build-arg', `NONCE=${nonce}`,
      '--output', `type=image,name=${registryAddress}/${repository}:${nonce},push=true`,
      '--output', `type=oci,dest=${ociTar()}`,
      dir,
    ],
    { timeoutMs: 600_000 },
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docker buildx on the local BuildKit', () => {
  it('pushes an index with linux/amd64 and linux/arm64 whose RUN steps ran on each architecture', async () => {
    const index = await registry.manifest<ImageIndex>(repository, nonce);
    expect(index, 'the pushed tag is in the registry').toBeDefined();
    const platforms = index!.body.manifests.flatMap((m) => (m.platform ? [platformString(m.platform)] : []));
    expect(platforms).toEqual(expect.arrayContaining(['linux/amd64', 'linux/arm64']));

    const arches: Record<string, string | undefined> = {};
    for (const descriptor of index!.body.manifests) {
      if (!descriptor.platform || descriptor.platform.os === 'unknown') continue;
      const manifest = await registry.manifest<ImageManifest>(repository, descriptor.digest);
      arches[descriptor.platform.architecture] = await fileInLastLayer(manifest!.body, 'arch.txt');
      expect(await fileInLastLayer(manifest!.body, 'nonce.txt')).toBe(nonce);
    }
    expect(arches).toEqual({ amd64: 'x86_64', arm64: 'aarch64' });
  });

  it('writes an OCI image layout tarball holding the same two-platform index', async () => {
    const files = await readTar(ociTar());
    const top = JSON.parse(files.get('index.json')!.toString('utf8')) as ImageIndex;
    expect(files.has('oci-layout')).toBe(true);
    const blob = (digest: string) => files.get(`blobs/sha256/${digest.slice('sha256:'.length)}`);
    // buildx writes either the platform index itself or a one-entry index pointing at it.
    let index = top;
    if (top.manifests.length === 1 && top.manifests[0]!.mediaType.includes('index')) {
      index = JSON.parse(blob(top.manifests[0]!.digest)!.toString('utf8')) as ImageIndex;
    }
    const platforms = index.manifests.flatMap((m) => (m.platform ? [platformString(m.platform)] : []));
    expect(platforms).toEqual(expect.arrayContaining(['linux/amd64', 'linux/arm64']));
    // Same build, so each platform's image config is the same blob in both outputs
    // (the manifests differ: the tarball uses OCI media types).
    const pushed = await registry.manifest<ImageIndex>(repository, nonce);
    for (const platform of ['linux/amd64', 'linux/arm64']) {
      const inTar = index.manifests.find((m) => m.platform && platformString(m.platform) === platform)!;
      const inRegistry = pushed!.body.manifests.find((m) => m.platform && platformString(m.platform) === platform)!;
      const tarManifest = JSON.parse(blob(inTar.digest)!.toString('utf8')) as ImageManifest;
      const registryManifest = await registry.manifest<ImageManifest>(repository, inRegistry.digest);
      expect(tarManifest.config.digest, platform).toBe(registryManifest!.body.config.digest);
    }
  });
});
