// `bundle verify`: offline, every checksum and digest of a bundle (or OCI layout tarball),
// then a description of what is inside.
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';
import { bundleJsonName } from './bundle-json.js';
import { kubeObjects } from './manifest-docs.js';
import { openArchive, type OpenedArchive } from './open.js';
import { openEntry, type TarEntry, type TarIndex } from './tar-index.js';

async function hashEntry(index: TarIndex, entry: TarEntry): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of openEntry(index, entry)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** Expected sha256 of every file: bundle.json's list, or each blob's own name. */
function expectedSums(archive: OpenedArchive): Map<string, string> {
  if (archive.bundle) return new Map(Object.entries(archive.bundle.files).map(([p, f]) => [p, f.sha256]));
  const sums = new Map<string, string>();
  for (const name of archive.index.files.keys()) {
    const hex = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name)?.[1];
    if (hex) sums.set(name, `sha256:${hex}`);
  }
  return sums;
}

export interface VerifyReport {
  archive: OpenedArchive;
  filesChecked: number;
  bytesChecked: number;
}

export async function verifyBundle(file: string): Promise<VerifyReport> {
  const archive = await openArchive(file);
  let bytesChecked = 0;
  const sums = expectedSums(archive);
  for (const [path, expected] of sums) {
    const entry = archive.index.files.get(path)!;
    const actual = await hashEntry(archive.index, entry);
    if (actual !== expected) {
      const what = path.includes('/blobs/') || path.startsWith('blobs/') ? `blob ${expected} (${path})` : path;
      throw new InputError(`${file}: ${what} does not match its digest: its content hashes to ${actual}`, {
        hint: 'the file is corrupted; recreate it or copy it again',
      });
    }
    bytesChecked += entry.size;
  }
  for (const m of archive.manifests) kubeObjects(`${file}: ${m.path}`, m.text);
  return { archive, filesChecked: sums.size, bytesChecked };
}

/** Pure: the human-readable contents listing that `bundle verify` prints. */
export function describeArchive(report: VerifyReport): string[] {
  const { archive } = report;
  const mb = (report.bytesChecked / 1e6).toFixed(1);
  const lines = [
    archive.bundle
      ? `bundle ${archive.index.file}: made by shipline ${archive.bundle.tool.version}; ${report.filesChecked} files (${mb} MB) match ${bundleJsonName}`
      : `OCI layout ${archive.index.file}: ${report.filesChecked} blobs (${mb} MB) match their digests`,
  ];
  const bundleImages = archive.bundle?.images ?? [];
  for (const img of archive.images) {
    lines.push(`image ${img.name} ${img.image.root.descriptor.digest}`);
    for (const p of img.image.platforms) lines.push(`  ${p.platform.padEnd(14)} ${p.digest}`);
    lines.push(`  ${img.image.blobs.length} blobs, ${(img.image.blobs.reduce((s, b) => s + b.size, 0) / 1e6).toFixed(1)} MB`);
    for (const a of bundleImages.find((b) => b.name === img.name)?.dockerArchives ?? []) lines.push(`  docker load archive ${a.platform}: ${a.path}`);
  }
  for (const m of archive.manifests) {
    const objects = kubeObjects(m.path, m.text).map((o) => `${o.kind}/${o.metadata.name}`);
    lines.push(`manifest ${m.path}: ${objects.join(', ') || 'no objects'}`);
  }
  if (archive.bundle) lines.push(`routing API versions: ${archive.bundle.routingApiVersions.join(', ') || 'none'}`);
  return lines;
}
