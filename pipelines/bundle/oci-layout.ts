// Reads images out of an OCI image layout (at a prefix inside a tar): the root index or
// manifest, every child manifest and every blob they name, each checked against its digest.
import { InputError } from '../errors.js';
import {
  isDigest,
  isIndexMediaType,
  isManifestMediaType,
  mediaTypes,
  platformString,
  sha256,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
} from '../adapters/registry/types.js';

export interface ManifestBlob {
  descriptor: Descriptor;
  raw: Buffer;
}

export interface LayoutImage {
  root: ManifestBlob;
  /** Every manifest below the root, children before parents (push order). */
  children: ManifestBlob[];
  /** Configs and layers, each once. */
  blobs: Descriptor[];
  platforms: { platform: string; digest: string; mediaType: string; size: number }[];
}

/** Reads a layout file by path relative to the layout; undefined if absent. */
export type LayoutReader = {
  has(path: string): boolean;
  read(path: string): Promise<Buffer | undefined>;
  /** Where the layout is, for messages (e.g. "bundle.tar: oci/"). */
  where: string;
};

export function blobPath(digest: string): string {
  return `blobs/${digest.replace(':', '/')}`;
}

function parseJson<T>(raw: Buffer, what: string): T {
  try {
    return JSON.parse(raw.toString('utf8')) as T;
  } catch (error) {
    throw new InputError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

async function readManifest(layout: LayoutReader, descriptor: Descriptor, context: string): Promise<ManifestBlob> {
  if (!isDigest(descriptor.digest)) throw new InputError(`${layout.where}: ${context} has an invalid digest "${descriptor.digest}"`);
  const raw = await layout.read(blobPath(descriptor.digest));
  if (!raw) {
    throw new InputError(`${layout.where}: ${context} ${descriptor.digest} is missing (no ${blobPath(descriptor.digest)})`, {
      hint: 'the archive is incomplete; recreate it',
    });
  }
  const actual = sha256(raw);
  if (actual !== descriptor.digest) {
    throw new InputError(`${layout.where}: blob ${descriptor.digest} (${context}) does not match its digest: its content hashes to ${actual}`, {
      hint: 'the archive is corrupted; recreate it',
    });
  }
  return { descriptor, raw };
}

/** Walks an image from its root descriptor; fails on any missing or corrupted manifest or missing blob. */
export async function readLayoutImage(layout: LayoutReader, root: Descriptor, name: string): Promise<LayoutImage> {
  const children: ManifestBlob[] = [];
  const blobs = new Map<string, Descriptor>();
  const platforms: LayoutImage['platforms'] = [];
  const visit = async (descriptor: Descriptor, context: string, depth: number): Promise<ManifestBlob> => {
    if (depth > 4) throw new InputError(`${layout.where}: image ${name} nests indexes more than 4 deep`);
    const blob = await readManifest(layout, descriptor, context);
    const mediaType = descriptor.mediaType ?? parseJson<{ mediaType?: string }>(blob.raw, context).mediaType;
    if (isIndexMediaType(mediaType)) {
      const index = parseJson<ImageIndex>(blob.raw, `${context} ${descriptor.digest}`);
      for (const [i, child] of (index.manifests ?? []).entries()) {
        const label = child.platform ? platformString(child.platform) : `manifests[${i}]`;
        const childBlob = await visit(child, `manifest of ${name} ${label}`, depth + 1);
        if (!children.some((c) => c.descriptor.digest === child.digest)) children.push(childBlob);
        if (child.platform && child.platform.os !== 'unknown') {
          platforms.push({ platform: platformString(child.platform), digest: child.digest, mediaType: child.mediaType, size: child.size });
        }
      }
    } else if (isManifestMediaType(mediaType)) {
      const manifest = parseJson<ImageManifest>(blob.raw, `${context} ${descriptor.digest}`);
      for (const [i, d] of [manifest.config, ...(manifest.layers ?? [])].entries()) {
        const what = i === 0 ? 'config' : `layers[${i - 1}]`;
        if (!d || !isDigest(d.digest)) throw new InputError(`${layout.where}: ${context}: ${what} has an invalid digest`);
        if (!layout.has(blobPath(d.digest))) {
          throw new InputError(`${layout.where}: ${context} needs blob ${d.digest} (${what}), which is missing`, {
            hint: 'the archive is incomplete; recreate it',
          });
        }
        blobs.set(d.digest, d);
      }
    } else {
      throw new InputError(`${layout.where}: ${context} ${descriptor.digest} has unsupported media type "${mediaType}"`);
    }
    return blob;
  };
  const rootBlob = await visit(root, `image ${name}`, 0);
  if (!isIndexMediaType(root.mediaType) && root.platform) {
    platforms.push({ platform: platformString(root.platform), digest: root.digest, mediaType: root.mediaType, size: root.size });
  }
  return { root: rootBlob, children, blobs: [...blobs.values()], platforms };
}

/** A reader that also serves an inline root (index.json used as the image index) as its blob. */
export function withInlineRoot(layout: LayoutReader, root: Descriptor & { inline?: Buffer }): LayoutReader {
  const inline = root.inline;
  if (!inline) return layout;
  const path = blobPath(root.digest);
  return {
    where: layout.where,
    has: (p) => p === path || layout.has(p),
    read: async (p) => (p === path ? inline : layout.read(p)),
  };
}

/**
 * The image a plain layout holds (as `buildx --output type=oci` writes it): the one entry
 * of index.json, or index.json itself when it lists platform manifests directly.
 */
export async function layoutRoot(layout: LayoutReader): Promise<Descriptor & { inline?: Buffer }> {
  const raw = await layout.read('index.json');
  if (!raw || !layout.has('oci-layout')) {
    throw new InputError(`${layout.where} is not an OCI image layout (no index.json or oci-layout)`, {
      hint: 'pass a shipline bundle, or a tarball written by `docker buildx build --output type=oci,dest=FILE`',
    });
  }
  const index = parseJson<ImageIndex>(raw, `${layout.where}index.json`);
  const entries = index.manifests ?? [];
  if (entries.length === 1) return entries[0]!;
  if (entries.length > 1 && entries.every((e) => e.platform && !isIndexMediaType(e.mediaType))) {
    return { mediaType: index.mediaType ?? mediaTypes.ociIndex, digest: sha256(raw), size: raw.length, inline: raw };
  }
  throw new InputError(`${layout.where}index.json lists ${entries.length} images; expected one`, {
    hint: 'write one image per OCI tarball, or make a bundle with `shipline bundle create`',
  });
}
