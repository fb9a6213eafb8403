// Blob uploads rely on the registry's own digest check (the distribution spec requires it):
// content that does not match its digest is refused by the real registry, never committed,
// and reported as a mismatch naming what the content hashes to.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobMismatchError, RegistryClient } from '../../pipelines/adapters/registry.js';
import { sha256 } from '../../pipelines/adapters/registry/types.js';
import { RegistryInstance } from '../../scripts/bench/fixtures/registry-instance.js';

let registry: RegistryInstance;
beforeAll(async () => {
  registry = await RegistryInstance.start();
});
afterAll(async () => {
  await registry?.stop();
});

describe('uploadBlob', () => {
  it('commits content that matches its digest', async () => {
    const client = new RegistryClient(registry.address);
    const data = Buffer.from('the right bytes\n'.repeat(10_000));
    await client.uploadBlob('up/ok', { digest: sha256(data), size: data.length }, () => Readable.from([data]), 'test blob');
    expect(await client.hasBlob('up/ok', sha256(data))).toBe(true);
  });

  it('content that does not match: refused by the registry, nothing committed, the mismatch named', async () => {
    const client = new RegistryClient(registry.address);
    const meant = Buffer.from('what the digest names\n'.repeat(10_000));
    const sent = Buffer.from(meant);
    sent.writeUInt8(sent.readUInt8(sent.length >> 1) ^ 0xff, sent.length >> 1);
    const error = await client.uploadBlob('up/bad', { digest: sha256(meant), size: sent.length }, () => Readable.from([sent]), 'bundle.tar: blobs/x').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BlobMismatchError);
    expect(String(error)).toContain(`blob ${sha256(meant)} (bundle.tar: blobs/x) does not match its digest: its content hashes to ${sha256(sent)}`);
    expect(await client.hasBlob('up/bad', sha256(meant))).toBe(false);
    expect(await client.hasBlob('up/bad', sha256(sent))).toBe(false);
  });
});
