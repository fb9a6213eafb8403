// `bundle import`: pushes a bundle's (or an OCI layout tarball's) images to a registry with
// shipline's own client, rewrites the manifests' image references to that registry pinned by
// digest, and optionally server-side applies them. Everything is read and checked first.
import type { KeyObject } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RegistryClient, type Credentials, type RetryPolicy } from '../adapters/registry.js';
import { ExternalError, InputError } from '../errors.js';
import { MountSources } from './mount-sources.js';
import type { ApplyOptions } from './apply.js';
import type { ImageTarget, KubeDoc, Rewrite } from './manifest-docs.js';
import { openArchive } from './open.js';
import { checkEveryFile, untrustedUnlessMatching } from './checksums.js';
import { planPush } from './push-plan.js';
import { defaultUploadConcurrency } from './upload-concurrency.js';
import { runPush, type PushStats } from './push.js';
import { parseImageName, parseImageRef, plainRepository } from '../model/image-ref.js';

export interface ImportOptions {
  file: string;
  /** HOST[:PORT] of the target registry. */
  registry: string;
  insecure?: boolean;
  /** REPOSITORY:TAG: required for a plain OCI layout tarball; renames a one-image bundle. */
  image?: string;
  credentials?: Credentials;
  /** Public key that must have signed the bundle: checked, with every file, before the first push. */
  key?: KeyObject;
  force?: boolean;
  /** Repositories of the target registry to mount blobs from when it already holds them. */
  mountFrom?: string[];
  /** Look for blobs in the registry's other repositories (its catalog) to mount them; default on. */
  autoMount?: boolean;
  concurrency?: number;
  retry?: Partial<RetryPolicy>;
  /** Write the rewritten manifests here. */
  manifestsOut?: string;
  /** Apply the rewritten manifests through this (lazy, so plain imports never load a kube client). */
  apply?: { kube: () => Promise<import('../adapters/kube.js').KubeClient>; namespace?: string; forceConflicts?: boolean };
  log?: (line: string) => void;
  /**
   * client: open and check the bundle, rewrite the manifests, contact nothing; server: also
   * check the registry's access and dry-run the manifests on the cluster (--apply). Neither
   * pushes, writes or applies anything.
   */
  dryRun?: 'client' | 'server';
}

export interface ImportResult {
  images: { name: string; reference: string; digest: string }[];
  stats: PushStats;
  rewrites: Rewrite[];
  unmatched: Rewrite[];
  applied: string[];
}

export async function importBundle(options: ImportOptions): Promise<ImportResult> {
  const log = options.log ?? (() => undefined);
  const archive = await untrustedUnlessMatching(options.key, options.file, async () => {
    const opened = await openArchive(options.file, options.image, { key: options.key, checksums: options.key !== undefined });
    // A signed bundle is checked whole before anything is pushed.
    if (options.key) await checkEveryFile(opened);
    return opened;
  });
  if (options.key) log(`signature and every checksum of ${options.file} check out`);
  if (archive.kind === 'oci-layout' && !options.image) {
    throw new InputError(`${options.file} is an OCI layout tarball, not a bundle: it needs a name`, { hint: 'pass --image REPOSITORY:TAG, e.g. --image modco/link:20240126' });
  }
  if (archive.kind === 'bundle' && options.image) {
    if (archive.images.length !== 1) {
      throw new InputError(`--image renames the image of a one-image bundle; ${options.file} holds ${archive.images.length}`, { hint: 'leave out --image to import each image under the name in bundle.json' });
    }
    const ref = parseImageName(options.image, '--image');
    archive.images[0] = { ...archive.images[0]!, repository: plainRepository(ref), tag: ref.tag };
  }
  const targets: ImageTarget[] = archive.images.map((img) => ({
    repository: parseImageRef(img.name)?.repository ?? img.repository,
    tag: parseImageRef(img.name)?.tag ?? img.tag,
    digests: [img.image.root.descriptor.digest, ...img.image.platforms.map((p) => p.digest)],
    pinned: `${options.registry}/${img.repository}@${img.image.root.descriptor.digest}`,
  }));
  const rewrites: Rewrite[] = [];
  const unmatched: Rewrite[] = [];
  const rewritten: { path: string; text: string }[] = [];
  const objects: KubeDoc[] = [];
  if (archive.manifests.length > 0) {
    // YAML handling loads only when there are manifests (a plain OCI tarball has none).
    const { kubeObjects, rewriteImages } = await import('./manifest-docs.js');
    for (const m of archive.manifests) {
      const out = rewriteImages(m.path, m.text, targets);
      rewrites.push(...out.rewrites);
      unmatched.push(...out.unmatched);
      rewritten.push({ path: m.path, text: out.text });
      objects.push(...kubeObjects(`${options.file}: ${m.path}`, out.text));
    }
  }
  for (const u of unmatched) log(`warning: ${u.file} ${u.path}: ${u.from} is not in the bundle; left as it is`);
  const outPath = (path: string) => join(options.manifestsOut ?? '', path.replace(/^manifests\//, ''));
  if (options.manifestsOut) {
    const seen = new Map<string, string>();
    for (const r of rewritten) {
      const key = outPath(r.path).normalize('NFC').toLowerCase();
      const other = seen.get(key);
      if (other) throw new InputError(`--manifests-out ${options.manifestsOut}: ${other} and ${r.path} would both be written to ${outPath(r.path)}; nothing was pushed`, { hint: 'write the manifests of this bundle with `bundle verify -o json`, or recreate the bundle with distinct manifest paths' });
      seen.set(key, r.path);
    }
  }

  const applyOptions: ApplyOptions = {
    namespace: options.apply?.namespace,
    requiredApiVersions: archive.bundle?.routingApiVersions ?? [],
    fieldManager: 'shipline',
    forceConflicts: options.apply?.forceConflicts ?? false,
    log,
  };
  const images = archive.images.map((img) => ({
    name: img.name,
    reference: `${options.registry}/${img.repository}:${img.tag}`,
    digest: img.image.root.descriptor.digest,
  }));
  const nothingDone = (): ImportResult => ({
    images,
    stats: { blobsUploaded: 0, bytesUploaded: 0, blobsPresent: 0, blobsMounted: 0, manifestsPut: 0, tagsWritten: 0 },
    rewrites,
    unmatched,
    applied: [],
  });
  if (options.dryRun === 'client') return nothingDone();
  const kube = options.apply && objects.length > 0 ? await options.apply.kube() : undefined;
  // Applying loads the Kubernetes client (a tenth of a second of start-up): only when asked.
  const applying = kube ? await import('./apply.js') : undefined;
  const prepared = kube && applying ? await applying.prepareApply(kube, objects, applyOptions) : [];

  const client = new RegistryClient(options.registry, { insecure: options.insecure, credentials: options.credentials, retry: options.retry });
  // Checked alongside the push's first reads (runPush writes nothing before it has passed).
  const access = Promise.all([...new Set(archive.images.map((i) => i.repository))].map((repository) => client.checkAccess(repository)));
  access.catch(() => undefined);
  if (options.dryRun === 'server') {
    await access;
    return nothingDone();
  }
  const base = archive.bundle?.base;
  const plan = planPush(archive.images, new Set(base?.blobs.map((b) => b.digest)));
  const elsewhere = new MountSources(client, options.mountFrom ?? [], new Set(archive.images.map((i) => i.repository)), options.autoMount ?? true);
  let mounted = 0;
  if (base && plan.atSite.length > 0) {
    await access;
    const { checkAtSite } = await import('./differential.js');
    const mounts = await checkAtSite(client, plan.atSite, base, elsewhere);
    log(`differential bundle: the ${plan.atSite.length} blobs it leaves out are at ${options.registry}${mounts.length ? ` (${mounts.length} to mount)` : ''}`);
    for (const m of mounts) {
      if (!(await client.mountBlob(m.repository, m.digest, m.from))) throw new ExternalError(`${options.registry} would not mount ${m.digest} from ${m.from} into ${m.repository}`);
      mounted++;
    }
  }
  const stats = await runPush(client, archive.index, plan, { concurrency: options.concurrency ?? defaultUploadConcurrency, force: options.force ?? false, mountFrom: options.mountFrom, elsewhere, ready: access, log });
  stats.blobsMounted += mounted;
  stats.blobsPresent += plan.atSite.length - mounted;

  if (options.manifestsOut) {
    // Each under its path inside the bundle's manifests/ folder: a/deploy.yaml and
    // b/deploy.yaml stay two files (the reader refused names that would collide).
    for (const r of rewritten) {
      const target = outPath(r.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, r.text);
    }
  }
  const applied = kube && applying ? await applying.applyPrepared(kube, prepared, applyOptions) : [];
  return { images, stats, rewrites, unmatched, applied };
}
