// Pure plan of a bundle: which files go in, where, and the bundle.json that describes them.
import { mediaTypes, sha256, type ImageManifest } from '../adapters/registry.js';
import type { BundleImage, BundleJson } from './bundle-json.js';
import { archiveSize, dockerArchiveEntries, dockerArchiveName, type ArchiveEntry } from './docker-archive.js';
import { blobPath, type LayoutImage } from './oci-layout.js';
import { layoutDir } from './names.js';
import { parseImageName, plainRepository } from '../model/image-ref.js';

export interface BundleImageInput {
  /** e.g. "modco/link:20240126" */
  name: string;
  /** The OCI layout tarball it comes from, for messages and for copying blobs. */
  source: string;
  image: LayoutImage;
}

export interface BundleManifestInput {
  /** Path inside the bundle's manifests/ folder, e.g. "deploy.yaml". */
  name: string;
  content: Buffer;
}

export interface BundlePlanInput {
  images: BundleImageInput[];
  manifests: BundleManifestInput[];
  routingApiVersions: string[];
  toolVersion: string;
  dockerArchives: boolean;
  /** A differential bundle: configs and layers the site already has are left out. */
  base?: NonNullable<BundleJson['base']>;
}

export type PlannedSource =
  | { kind: 'bytes'; data: Buffer }
  /** A config or layer, copied from the source tarball of images[imageIndex]. */
  | { kind: 'blob'; digest: string; imageIndex: number }
  | { kind: 'docker-archive'; imageIndex: number; entries: ArchiveEntry[] };

export interface PlannedEntry {
  path: string;
  size: number;
  source: PlannedSource;
}

export interface BundlePlan {
  entries: PlannedEntry[];
  /** bundle.json without the checksums of the docker archives (known once they are written). */
  bundle: BundleJson;
}

export { layoutDir };

export function planBundle(input: BundlePlanInput): BundlePlan {
  const entries: PlannedEntry[] = [];
  const written = new Set<string>();
  const files: BundleJson['files'] = {};
  const add = (path: string, size: number, source: PlannedSource, digest?: string) => {
    if (written.has(path)) return;
    written.add(path);
    entries.push({ path, size, source });
    if (digest) files[path] = { sha256: digest, size };
  };
  const bytes = (path: string, data: Buffer) => add(path, data.length, { kind: 'bytes', data }, sha256(data));

  const topIndex = {
    schemaVersion: 2,
    mediaType: mediaTypes.ociIndex,
    manifests: input.images.map(({ name, image }) => ({
      ...image.root.descriptor,
      annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': parseImageName(name, 'image').tag },
    })),
  };
  bytes(`${layoutDir}/oci-layout`, Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  bytes(`${layoutDir}/index.json`, Buffer.from(`${JSON.stringify(topIndex)}\n`));

  const images: BundleImage[] = input.images.map(({ name, image }, imageIndex) => {
    for (const m of [image.root, ...image.children]) bytes(`${layoutDir}/${blobPath(m.descriptor.digest)}`, m.raw);
    const leftOut = new Set(input.base?.blobs.map((b) => b.digest));
    for (const b of image.blobs.filter((d) => !leftOut.has(d.digest))) add(`${layoutDir}/${blobPath(b.digest)}`, b.size, { kind: 'blob', digest: b.digest, imageIndex }, b.digest);
    const ref = parseImageName(name, 'image');
    const dockerArchives = input.dockerArchives
      ? image.platforms.map((p) => {
          const child = image.children.find((c) => c.descriptor.digest === p.digest) ?? image.root;
          const archive = dockerArchiveEntries(name, JSON.parse(child.raw.toString('utf8')) as ImageManifest);
          const path = `docker/${dockerArchiveName(name, p.platform)}`;
          add(path, archiveSize(archive), { kind: 'docker-archive', imageIndex, entries: archive });
          return { platform: p.platform, path };
        })
      : [];
    return {
      name,
      repository: plainRepository(ref),
      tag: ref.tag,
      digest: image.root.descriptor.digest,
      mediaType: image.root.descriptor.mediaType,
      size: image.root.raw.length,
      platforms: image.platforms,
      dockerArchives,
    };
  });

  const manifests = input.manifests.map((m) => {
    const path = `manifests/${m.name}`;
    bytes(path, m.content);
    return path;
  });

  const bundle: BundleJson = {
    schemaVersion: 1,
    kind: 'shipline-bundle',
    tool: { name: 'shipline', version: input.toolVersion },
    layout: layoutDir,
    images,
    manifests,
    routingApiVersions: [...new Set(input.routingApiVersions)].sort(),
    files,
    ...(input.base ? { base: input.base } : {}),
  };
  return { entries, bundle };
}
