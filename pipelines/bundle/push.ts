// Runs a push plan through the registry client: HEAD the tags (and refuse to move an
// existing tag) while, in parallel, each blob is HEADed, then uploaded or mounted if missing
// (the registry checks an upload against its digest) or read and checked here if present;
// then child manifests, and the tags last, so a tag never names an incomplete image or one
// whose bundle bytes do not match.
import { BlobMismatchError, isIndexMediaType, type RegistryClient } from '../adapters/registry.js';
import { checkBlobContent } from '../adapters/registry/digest-check.js';
import { PreconditionError } from '../errors.js';
import { manifestMediaType, type BlobTask, type ManifestTask, type PushPlan } from './push-plan.js';
import { mapLimit } from '../pool.js';
import type { MountSources } from './mount-sources.js';
import { entryBatches, openEntry, type TarIndex } from './tar-index.js';

export interface PushOptions {
  concurrency: number;
  /** Move tags that already name another digest. */
  force: boolean;
  /** Other repositories of the registry that may hold some blobs already (mount sources). */
  mountFrom?: string[];
  /** Where else a blob none of the import's repositories holds may be mounted from. */
  elsewhere?: MountSources;
  /** Settles once the import may write (the access check): reads go out alongside it. */
  ready?: Promise<unknown>;
  log: (line: string) => void;
}

export interface PushStats {
  blobsUploaded: number;
  bytesUploaded: number;
  blobsPresent: number;
  blobsMounted: number;
  manifestsPut: number;
  tagsWritten: number;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
/** Blobs under this size are pushed in a lane of their own, this many at a time. */
const smallBlob = 1 << 20;
const smallBlobLane = 2;

/**
 * Reads a blob the registry already holds from the tar and checks it against its digest:
 * a bundle whose bytes do not match its checksums is never imported, even when nothing
 * of it needs uploading.
 */
async function checkBlob(tar: TarIndex, b: BlobTask): Promise<void> {
  await checkBlobContent(openEntry(tar, tar.files.get(b.path)!), b, `${tar.file}: ${b.path}`);
}

export async function runPush(client: RegistryClient, tar: TarIndex, plan: PushPlan, options: PushOptions): Promise<PushStats> {
  const stats: PushStats = { blobsUploaded: 0, bytesUploaded: 0, blobsPresent: 0, blobsMounted: 0, manifestsPut: 0, tagsWritten: 0 };
  const heads = options.concurrency * 2;

  const ready = options.ready ?? Promise.resolve();
  /** A read that failed is reported as the access check's failure when that failed too. */
  const read = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } catch (error) {
      await ready;
      throw error;
    }
  };
  // The tags are read alongside the access check and the blobs' HEADs; nothing is written
  // before the access check has passed and it is known that no tag would be moved unasked.
  const pendingTags = read(mapLimit(plan.tags, heads, (t) => client.manifestDigest(t.repository, t.reference))).then(async (tagState) => {
    await ready;
    for (const [i, t] of plan.tags.entries()) {
      const current = tagState[i];
      if (current && current !== t.manifest.descriptor.digest && !options.force) {
        throw new PreconditionError(`${client.host}/${t.repository}:${t.reference} already names ${current}, not ${t.manifest.descriptor.digest}`, {
          hint: 'import under another tag (--image REPOSITORY:TAG), or pass --force to move the tag',
        });
      }
    }
    return plan.tags.filter((t, i) => tagState[i] !== t.manifest.descriptor.digest);
  });
  pendingTags.catch(() => undefined); // awaited by every blob's worker and below

  const sources = (options.mountFrom ?? []).filter((r) => !plan.blobs.some((b) => b.repositories.includes(r)));
  /** The repositories (of the import's, then --mount-from) that hold `b`: asked per blob, just before it is needed. */
  const holders = async (b: BlobTask) => {
    const candidates = [...b.repositories, ...sources];
    const present = await Promise.all(candidates.map((repository) => client.hasBlob(repository, b.digest)));
    return candidates.filter((_, i) => present[i]);
  };

  const upload = async (b: BlobTask, repository: string) => {
    const entry = tar.files.get(b.path)!;
    if (entry.size !== b.size) {
      throw new BlobMismatchError(`blob ${b.digest} (${tar.file}: ${b.path}) has ${entry.size} bytes, its descriptor says ${b.size}`, { hint: 'the file is truncated or corrupted; recreate it, or check it with `shipline bundle verify`' });
    }
    await client.uploadBlob(repository, b, () => entryBatches(tar, entry), `${tar.file}: ${b.path}`);
    stats.blobsUploaded++;
    stats.bytesUploaded += b.size;
    options.log(`uploaded ${b.digest} (${mb(b.size)}) to ${repository}`);
  };
  // Each upload starts after its own HEAD, not after every blob's: the first bytes go out
  // tens of milliseconds sooner, and the HEADs of later blobs overlap earlier uploads.
  const pushBlob = async (b: BlobTask) => {
    const have = await read(holders(b));
    // Every image already under its tag: nothing to push, but the bundle's bytes are checked.
    if ((await pendingTags).length === 0) return checkBlob(tar, b);
    const missing = b.repositories.filter((r) => !have.includes(r));
    // Mount from a target repository first: it is the one the tag will live with.
    have.sort((x, y) => Number(sources.includes(x)) - Number(sources.includes(y)));
    stats.blobsPresent += b.repositories.length - missing.length;
    let checked = false;
    // A blob no repository of this import holds may still be elsewhere in the registry.
    if (have.length === 0 && missing.length > 0 && options.elsewhere) {
      const found = await options.elsewhere.find(b.digest);
      if (found) have.push(found);
    }
    for (const repository of missing) {
      const from = have[0];
      if (from && (await client.mountBlob(repository, b.digest, from))) {
        stats.blobsMounted++;
      } else {
        await upload(b, repository);
        checked = true;
      }
      have.push(repository);
    }
    // An upload checks the digest on the way; a blob only found or mounted is read here.
    if (!checked) await checkBlob(tar, b);
  };
  // Small blobs (configs) take a few round trips and next to no bandwidth: they go in a lane
  // of their own from the start, rather than after the layers, where they would end the push.
  const small = plan.blobs.filter((b) => b.size < smallBlob);
  const large = plan.blobs.filter((b) => b.size >= smallBlob);
  const lanes = await Promise.allSettled([mapLimit(large, options.concurrency, pushBlob), mapLimit(small, smallBlobLane, pushBlob)]);
  for (const lane of lanes) if (lane.status === 'rejected') throw lane.reason;

  const pending = await pendingTags;
  if (pending.length === 0) {
    stats.blobsPresent = plan.blobs.length;
    options.log('every image is already present under its tag');
    return stats;
  }

  const putIfMissing = async (m: ManifestTask) => {
    if (await client.manifestDigest(m.repository, m.reference)) return;
    await client.putManifest(m.repository, m.reference, manifestMediaType(m.manifest), m.manifest.raw);
    stats.manifestsPut++;
  };
  // Image manifests all at once; a nested index only after what it names (the plan lists
  // children before parents), as a registry may check that an index's manifests exist.
  const nested = plan.manifests.filter((m) => isIndexMediaType(manifestMediaType(m.manifest)));
  await mapLimit(plan.manifests.filter((m) => !nested.includes(m)), heads, putIfMissing);
  for (const m of nested) await putIfMissing(m);
  for (const t of pending) {
    await client.putManifest(t.repository, t.reference, manifestMediaType(t.manifest), t.manifest.raw);
    stats.tagsWritten++;
    options.log(`tagged ${client.host}/${t.repository}:${t.reference} → ${t.manifest.descriptor.digest}`);
  }
  return stats;
}
