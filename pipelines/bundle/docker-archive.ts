// Pure plan of a `docker load`-able archive for one platform of an image (manifest.json
// naming the config and layer files), for Docker Engines that cannot load an OCI index.
import type { Descriptor, ImageManifest } from '../adapters/registry.js';
import { blobPath } from './oci-layout.js';
import { block, padded } from './tar-header.js';

export interface ArchiveEntry {
  path: string;
  size: number;
  source: { kind: 'bytes'; data: Buffer } | { kind: 'blob'; digest: string };
}

export function dockerArchiveEntries(name: string, manifest: ImageManifest): ArchiveEntry[] {
  const blob = (d: Descriptor): ArchiveEntry => ({ path: blobPath(d.digest), size: d.size, source: { kind: 'blob', digest: d.digest } });
  const index = [{ Config: blobPath(manifest.config.digest), RepoTags: [name], Layers: manifest.layers.map((l) => blobPath(l.digest)) }];
  const data = Buffer.from(`${JSON.stringify(index)}\n`);
  const seen = new Set<string>();
  const blobs = [manifest.config, ...manifest.layers].filter((d) => !seen.has(d.digest) && seen.add(d.digest)).map(blob);
  return [{ path: 'manifest.json', size: data.length, source: { kind: 'bytes', data } }, ...blobs];
}

/** The exact size tar-stream writes for these entries (a header each, padded data, 1 KiB end). */
export function archiveSize(entries: readonly { size: number }[]): number {
  return entries.reduce((sum, e) => sum + block + padded(e.size), 0) + 2 * block;
}

/** "modco/link:20240126" + "linux/arm64" → "modco_link_20240126.linux-arm64.docker.tar". */
export function dockerArchiveName(name: string, platform: string): string {
  return `${name.replace(/[^\w.-]+/g, '_')}.${platform.replace(/\//g, '-')}.docker.tar`;
}
