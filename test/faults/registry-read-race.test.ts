// Debian's registry 2.8 rewrites a manifest's link file in place (truncate, then write): a read
// that lands in between finds it empty and answers HTTP 500 "invalid checksum digest format".
// CI saw it when two builds pushed the same manifest at once. Here the real registry is put in
// that state by emptying the link file, which is exactly what the rewrite leaves for a moment.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../pipelines/adapters/registry.js';
import { RegistryInstance } from '../../scripts/bench/fixtures/registry-instance.js';

const repository = 'faults/read-race';
let registry: RegistryInstance;
let digest: string;
let linkFile: string;

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

beforeAll(async () => {
  registry = await RegistryInstance.start();
  const client = new RegistryClient(registry.address);
  const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
  const configDigest = sha256(config);
  await client.uploadBlob(repository, { digest: configDigest, size: config.length }, () => Readable.from([config]), 'test');
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [],
    }),
  );
  digest = await client.putManifest(repository, '1', 'application/vnd.oci.image.manifest.v1+json', manifest);
  const hex = digest.slice('sha256:'.length);
  linkFile = join(registry.dir, 'data', 'docker', 'registry', 'v2', 'repositories', repository, '_manifests', 'revisions', 'sha256', hex, 'link');
  expect(readFileSync(linkFile, 'utf8')).toBe(digest);
}, 60_000);

afterAll(async () => {
  await registry?.stop();
});

describe('a registry read during a concurrent rewrite of the same manifest', () => {
  it('the registry really answers 500 while the link file is empty', async () => {
    writeFileSync(linkFile, '');
    try {
      const res = await fetch(`http://${registry.address}/v2/${repository}/manifests/${digest}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
      expect(res.status).toBe(500);
      expect(await res.text()).toContain('unknown');
    } finally {
      writeFileSync(linkFile, digest);
    }
  });

  it('a GET is tried again and succeeds once the rewrite is done', async () => {
    writeFileSync(linkFile, '');
    // The link is back after 150 ms; the client's retries span about 3 s (5 tries, 200 ms
    // base backoff doubling), so even a starved test process restores it well within them.
    const restore = setTimeout(() => writeFileSync(linkFile, digest), 150);
    try {
      const fetched = await new RegistryClient(registry.address).manifest(repository, digest);
      expect(fetched?.digest).toBe(digest);
    } finally {
      clearTimeout(restore);
      writeFileSync(linkFile, digest);
    }
  });

  it('a 500 that stays ends in an error saying how many tries were made', async () => {
    writeFileSync(linkFile, '');
    try {
      await expect(new RegistryClient(registry.address).manifest(repository, digest)).rejects.toThrow(/HTTP 500 .*gave up after 5 tries/);
    } finally {
      writeFileSync(linkFile, digest);
    }
  }, 30_000);
});
