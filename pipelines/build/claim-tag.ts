// Writes a release's tag onto a manifest already pushed by digest, only if no one holds the
// tag yet. The registry API has no compare-and-set, so on this machine the check and the
// write run under a lock per repository, and afterwards the tag is read back: a concurrent
// writer from elsewhere that won is seen, never reported as ours.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import type { FetchedManifest, RegistryClient } from '../adapters/registry.js';
import { sha256 } from '../adapters/registry.js';
import { ExternalError } from '../errors.js';

export type TagClaim = { claimed: true } | { claimed: false; holder: string };

function lockPath(host: string, repository: string): string {
  const dir = join(tmpdir(), 'shipline-tag-locks');
  mkdirSync(dir, { recursive: true });
  return join(dir, sha256(`${host}/${repository}`).slice('sha256:'.length, 'sha256:'.length + 32));
}

async function withRepositoryLock<T>(host: string, repository: string, fn: () => Promise<T>): Promise<T> {
  const release = await lockfile.lock(lockPath(host, repository), {
    realpath: false,
    // A holder only checks and writes one tag (a few requests); a lock older than this is a crashed holder's.
    stale: 30_000,
    retries: { retries: 200, minTimeout: 25, maxTimeout: 250 },
  });
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}

/**
 * Tags `manifest` as `tag` in `repository` unless the tag exists (with `force`, writes it
 * anyway). Returns who holds the tag when it was not ours to take.
 */
export async function claimTag(
  client: RegistryClient,
  repository: string,
  tag: string,
  manifest: Pick<FetchedManifest<unknown>, 'digest' | 'mediaType' | 'raw'>,
  options: { force?: boolean } = {},
): Promise<TagClaim> {
  return withRepositoryLock(client.host, repository, async () => {
    if (!options.force) {
      const holder = await client.manifestDigest(repository, tag);
      if (holder !== undefined) return { claimed: false, holder };
    }
    try {
      await client.putManifest(repository, tag, manifest.mediaType, manifest.raw);
    } catch (error) {
      // Registries with immutable tags refuse the write itself: the tag was taken meanwhile.
      const holder = error instanceof ExternalError ? await client.manifestDigest(repository, tag) : undefined;
      if (holder !== undefined && holder !== manifest.digest) return { claimed: false, holder };
      throw error;
    }
    const now = await client.manifestDigest(repository, tag);
    return now === manifest.digest ? { claimed: true } : { claimed: false, holder: now ?? '(nothing)' };
  });
}
