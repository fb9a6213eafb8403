// `bundle verify`: offline, every checksum and digest of a bundle (or OCI layout tarball),
// then a description of what is inside.
import type { KeyObject } from 'node:crypto';
import { bundleJsonName } from './bundle-json.js';
import { checkEveryFile, untrustedUnlessMatching } from './checksums.js';
import type { KubeDoc } from './manifest-docs.js';
import { openArchive, type OpenedArchive } from './open.js';
import { count } from '../plural.js';

export interface VerifyReport {
  archive: OpenedArchive;
  filesChecked: number;
  bytesChecked: number;
  /** Fingerprint of the key the signature was checked with. */
  signedBy?: string;
}

export async function verifyBundle(file: string, options: { key?: KeyObject } = {}): Promise<VerifyReport> {
  return untrustedUnlessMatching(options.key, file, async () => {
    const archive = await openArchive(file, undefined, { key: options.key, checksums: true });
    const { filesChecked, bytesChecked } = await checkEveryFile(archive);
    // Loaded after the pass: the YAML parser's memory is not added to the pass's peak.
    const { kubeObjects } = await import('./manifest-docs.js');
    for (const m of archive.manifests) kubeObjects(`${file}: ${m.path}`, m.text);
    const signedBy = options.key ? (await import('./signing.js')).keyFingerprint(options.key) : undefined;
    return { archive, filesChecked, bytesChecked, signedBy };
  });
}

/** Pure: the human-readable contents listing that `bundle verify` prints (`kubeObjects` from manifest-docs.ts). */
export function describeArchive(report: VerifyReport, kubeObjects: (where: string, text: string) => KubeDoc[]): string[] {
  const { archive } = report;
  const mb = (report.bytesChecked / 1e6).toFixed(1);
  const lines = [
    archive.bundle
      ? `bundle ${archive.index.file}: made by shipline ${archive.bundle.tool.version}; ${count(report.filesChecked, 'file')} (${mb} MB) match ${bundleJsonName}`
      : `OCI layout ${archive.index.file}: ${count(report.filesChecked, 'blob')} (${mb} MB) match their digests`,
  ];
  const base = archive.bundle?.base;
  if (base) lines.push(`differential: ${count(base.blobs.length, 'blob')} ${base.blobs.length === 1 ? 'is' : 'are'} left out; they come from ${base.bundle ? `bundle ${base.bundle}` : `registry ${base.registry ?? '?'}`}, which the target registry must hold`);
  if (report.signedBy) lines.push(`signature: good, bundle.json signed by key ${report.signedBy}`);
  else if (archive.bundle?.signer) lines.push(`signature: not checked (signed by key ${archive.bundle.signer.keyFingerprint}; pass --key PUB to check it)`);
  const bundleImages = archive.bundle?.images ?? [];
  for (const img of archive.images) {
    lines.push(`image ${img.name} ${img.image.root.descriptor.digest}`);
    for (const p of img.image.platforms) lines.push(`  ${p.platform.padEnd(14)} ${p.digest}`);
    lines.push(`  ${count(img.image.blobs.length, 'blob')}, ${(img.image.blobs.reduce((s, b) => s + b.size, 0) / 1e6).toFixed(1)} MB`);
    for (const a of bundleImages.find((b) => b.name === img.name)?.dockerArchives ?? []) lines.push(`  docker load archive ${a.platform}: ${a.path}`);
  }
  for (const m of archive.manifests) {
    const objects = kubeObjects(m.path, m.text).map((o) => `${o.kind}/${o.metadata.name}`);
    lines.push(`manifest ${m.path}: ${objects.join(', ') || 'no objects'}`);
  }
  if (archive.bundle) lines.push(`routing API versions: ${archive.bundle.routingApiVersions.join(', ') || 'none'}`);
  return lines;
}
