// Differential bundles: what an earlier bundle (or the site's registry) already holds is
// left out, and recorded in bundle.json `base` so that import can check the site has it.
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { RegistryClient } from '../adapters/registry.js';
import { PreconditionError } from '../errors.js';
import { mapLimit } from '../pool.js';
import type { MountSources } from './mount-sources.js';
import type { BlobTask } from './push-plan.js';
import type { BundleJson } from './bundle-json.js';
import { openArchive } from './open.js';
import type { BundleImageInput } from './plan.js';
import { parseImageName, plainRepository } from '../model/image-ref.js';

export interface Base {
  bundle?: string;
  bundleJsonSha256?: string;
  registry?: string;
  /** Blobs the site has: digest → size. */
  has: Map<string, number>;
}

/** The blobs an earlier bundle delivered: those it holds, and those it itself left out. */
export async function baseFromBundle(file: string): Promise<Base> {
  const old = await openArchive(file);
  if (!old.bundle || !old.bundleJsonRaw) throw new PreconditionError(`--since ${file} is not a shipline bundle (no bundle.json)`, { hint: 'pass the bundle the site imported last' });
  const has = new Map<string, number>();
  for (const img of old.images) for (const b of img.image.blobs) has.set(b.digest, b.size);
  return { bundle: basename(file), bundleJsonSha256: `sha256:${createHash('sha256').update(old.bundleJsonRaw).digest('hex')}`, has };
}

/** The blobs of these images that the registry `host` already holds in their repositories. */
export async function baseFromRegistry(client: RegistryClient, images: readonly BundleImageInput[]): Promise<Base> {
  const has = new Map<string, number>();
  for (const { name, image } of images) {
    const repository = plainRepository(parseImageName(name, '--image'));
    for (const b of image.blobs) if (!has.has(b.digest) && (await client.hasBlob(repository, b.digest))) has.set(b.digest, b.size);
  }
  return { registry: client.host, has };
}

/** Pure: the bundle.json `base` for these images against what the site has. */
export function planBase(base: Base, images: readonly BundleImageInput[]): NonNullable<BundleJson['base']> {
  const left = new Map<string, number>();
  for (const { image } of images) for (const b of image.blobs) if (base.has.has(b.digest)) left.set(b.digest, b.size);
  return {
    ...(base.bundle ? { bundle: base.bundle } : {}),
    ...(base.bundleJsonSha256 ? { bundleJsonSha256: base.bundleJsonSha256 } : {}),
    ...(base.registry ? { registry: base.registry } : {}),
    blobs: [...left].sort(([a], [b]) => (a < b ? -1 : 1)).map(([digest, size]) => ({ digest, size })),
  };
}

/** How to name what a differential bundle depends on, in messages. */
export function describeBase(base: NonNullable<BundleJson['base']>): string {
  if (base.bundle) return `bundle ${base.bundle}${base.bundleJsonSha256 ? ` (bundle.json ${base.bundleJsonSha256})` : ''}`;
  return `what registry ${base.registry ?? '(unknown)'} held when it was made`;
}

/**
 * Before anything is pushed: every blob a differential bundle left out must be in each
 * repository that needs it, or mountable from elsewhere in the registry; otherwise exit 3
 * naming the bundle to import first. Returns the mounts to make.
 */
export async function checkAtSite(
  client: RegistryClient,
  tasks: readonly BlobTask[],
  base: NonNullable<BundleJson['base']>,
  elsewhere: MountSources,
): Promise<{ digest: string; repository: string; from: string }[]> {
  const mounts: { digest: string; repository: string; from: string }[] = [];
  const missing: string[] = [];
  await mapLimit(tasks, 8, async (task) => {
    const present = await Promise.all(task.repositories.map((r) => client.hasBlob(r, task.digest)));
    const lacking = task.repositories.filter((_r, i) => !present[i]);
    if (lacking.length === 0) return;
    const from = task.repositories[present.indexOf(true)] ?? (await elsewhere.find(task.digest));
    if (from) for (const repository of lacking) mounts.push({ digest: task.digest, repository, from });
    else missing.push(`${task.digest} (${lacking.join(', ')})`);
  });
  if (missing.length > 0) {
    throw new PreconditionError(
      `${client.host} lacks ${missing.length} of the ${tasks.length} blobs this differential bundle leaves out, e.g. ${missing.sort()[0]}; it depends on ${describeBase(base)}`,
      { hint: `import ${base.bundle ?? 'the bundle it was made against'} into ${client.host} first, or ask for a full bundle (without --since); nothing was pushed` },
    );
  }
  return mounts;
}
