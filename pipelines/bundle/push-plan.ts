// Pure plan of an import: which blobs each repository needs (each blob once, with every
// repository that wants it, for mounts), which manifests follow, and the tags written last.
import type { Descriptor } from '../adapters/registry.js';
import { blobPath, type LayoutImage, type ManifestBlob } from './oci-layout.js';

export interface PushImage {
  repository: string;
  tag: string;
  image: LayoutImage;
  /** Folder of its OCI layout in the tar. */
  layout: string;
}

export interface BlobTask {
  digest: string;
  size: number;
  /** Entry name in the tar. */
  path: string;
  repositories: string[];
}

export interface ManifestTask {
  repository: string;
  reference: string;
  manifest: ManifestBlob;
}

export interface PushPlan {
  blobs: BlobTask[];
  /** Blobs a differential bundle left out: each must be in its repositories (or mountable) before anything is pushed. */
  atSite: BlobTask[];
  /** Child manifests, by digest, children before parents. */
  manifests: ManifestTask[];
  /** Root manifests by tag: written only once everything else is present. */
  tags: ManifestTask[];
}

const inLayout = (layout: string, d: Descriptor) => (layout ? `${layout}/${blobPath(d.digest)}` : blobPath(d.digest));

/** `leftOut`: blobs a differential bundle does not hold (the registry must have them already). */
export function planPush(images: readonly PushImage[], leftOut: ReadonlySet<string> = new Set()): PushPlan {
  const blobs = new Map<string, BlobTask>();
  const atSite = new Map<string, BlobTask>();
  const manifests: ManifestTask[] = [];
  for (const { repository, image, layout } of images) {
    for (const d of image.blobs) {
      const tasks = leftOut.has(d.digest) ? atSite : blobs;
      const task = tasks.get(d.digest) ?? { digest: d.digest, size: d.size, path: inLayout(layout, d), repositories: [] };
      if (!task.repositories.includes(repository)) task.repositories.push(repository);
      tasks.set(d.digest, task);
    }
    for (const child of image.children) {
      if (!manifests.some((m) => m.repository === repository && m.reference === child.descriptor.digest)) {
        manifests.push({ repository, reference: child.descriptor.digest, manifest: child });
      }
    }
  }
  // Largest first keeps the parallel uploads busy until the end.
  const ordered = [...blobs.values()].sort((a, b) => b.size - a.size);
  const tags = images.map(({ repository, tag, image }) => ({ repository, reference: tag, manifest: image.root }));
  return { blobs: ordered, atSite: [...atSite.values()], manifests, tags };
}

export function manifestMediaType(m: ManifestBlob): string {
  return m.descriptor.mediaType ?? (JSON.parse(m.raw.toString('utf8')) as { mediaType?: string }).mediaType ?? '';
}
