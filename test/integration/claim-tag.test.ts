// Writing a tag at tag time against the real registry: of many writers of the same tag at
// once, exactly one gets it, the others are told who holds it, and nothing is overwritten.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaTypes, RegistryClient, sha256 } from '../../pipelines/adapters/registry.js';
import { claimTag } from '../../pipelines/build/claim-tag.js';
import { RegistryInstance } from '../../scripts/bench/fixtures/registry-instance.js';

const path = `it/claim-${randomBytes(4).toString('hex')}`;
let registry: RegistryInstance;
let registryAddress: string;

beforeAll(async () => {
  registry = await RegistryInstance.start();
  registryAddress = registry.address;
});
afterAll(() => registry.stop());

/** A small image manifest of its own (its config blob uploaded), pushed by digest only. */
async function pushedByDigest(client: RegistryClient, n: number) {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', n }));
  const configDigest = sha256(config);
  await client.uploadBlob(path, { digest: configDigest, size: config.length }, () => Readable.from([config]), 'test config');
  const raw = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: mediaTypes.ociManifest,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: [],
  }));
  const digest = await client.putManifest(path, sha256(raw), mediaTypes.ociManifest, raw);
  return { digest, mediaType: mediaTypes.ociManifest, raw };
}

describe('claimTag', () => {
  it('of 8 concurrent writers of one tag, exactly one gets it and it stays theirs', async () => {
    // A client each, as separate processes would have (own connections, own auth).
    const writers = await Promise.all(Array.from({ length: 8 }, async (_, n) => {
      const client = new RegistryClient(registryAddress);
      return { client, manifest: await pushedByDigest(client, n) };
    }));
    const claims = await Promise.all(writers.map((w) => claimTag(w.client, path, 'race', w.manifest)));

    const winners = writers.filter((_, i) => claims[i]!.claimed);
    expect(winners).toHaveLength(1);
    const held = await winners[0]!.client.manifestDigest(path, 'race');
    expect(held).toBe(winners[0]!.manifest.digest);
    for (const claim of claims) if (!claim.claimed) expect(claim.holder).toBe(held);
    expect(await winners[0]!.client.tags(path)).toEqual(['race']);
  });

  it('refuses a tag that exists even for the same digest, and force writes it on purpose', async () => {
    const client = new RegistryClient(registryAddress);
    const first = await pushedByDigest(client, 100);
    const second = await pushedByDigest(client, 101);
    expect(await claimTag(client, path, 'kept', first)).toEqual({ claimed: true });
    expect(await claimTag(client, path, 'kept', first)).toEqual({ claimed: false, holder: first.digest });
    expect(await claimTag(client, path, 'kept', second)).toEqual({ claimed: false, holder: first.digest });
    expect(await client.manifestDigest(path, 'kept')).toBe(first.digest);
    expect(await claimTag(client, path, 'kept', second, { force: true })).toEqual({ claimed: true });
    expect(await client.manifestDigest(path, 'kept')).toBe(second.digest);
  });
});
