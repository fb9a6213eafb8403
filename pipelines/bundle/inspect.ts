// `bundle inspect`: what a bundle holds (images, platforms, digests, sizes, manifests,
// signer, compression, what it depends on) read in the one pass every reader makes
// (every frame decoded, nothing written out, no file hashed), its signature checked only
// with --key; and its signed payload for `cosign verify-blob`.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { untrustedUnlessMatching } from './checksums.js';
import { signatureName } from './names.js';
import { openArchive, type OpenedArchive } from './open.js';
import { count } from '../plural.js';
import type { SbomPackage } from './attestation-summary.js';
import type { Inspection, InspectOptions } from './inspection.js';

export type { AttestedPlatform, Inspection, InspectOptions } from './inspection.js';


export async function inspectBundle(file: string, options: InspectOptions = {}): Promise<{ inspection: Inspection; archive: OpenedArchive }> {
  const archive = await untrustedUnlessMatching(options.key, file, () => openArchive(file, undefined, { key: options.key }));
  const bundle = archive.bundle;
  const base = bundle?.base;
  const inspection: Inspection = {
    file,
    kind: archive.kind,
    compression: archive.index.compression ?? 'none',
    size: (await stat(file)).size,
    tarSize: archive.index.framed?.table.size ?? (await stat(file)).size,
    tool: bundle ? `shipline ${bundle.tool.version}` : undefined,
    images: archive.images.map((img) => ({
      name: img.name,
      digest: img.image.root.descriptor.digest,
      mediaType: img.image.root.descriptor.mediaType,
      platforms: img.image.platforms.map((p) => ({ platform: p.platform, digest: p.digest, size: p.size })),
      blobs: img.image.blobs.length,
      bytes: img.image.blobs.reduce((s, b) => s + b.size, 0),
    })),
    manifests: archive.manifests.map((m) => m.path),
    routingApiVersions: bundle?.routingApiVersions ?? [],
    signed: archive.signature !== undefined,
    signerKeyFingerprint: bundle?.signer?.keyFingerprint,
    signatureVerifiedWith: options.key ? (await import('./signing.js')).keyFingerprint(options.key) : undefined,
    dependsOn: base
      ? { bundle: base.bundle, bundleJsonSha256: base.bundleJsonSha256, registry: base.registry, blobs: base.blobs.length, bytes: base.blobs.reduce((s, b) => s + b.size, 0) }
      : undefined,
  };
  if (options.sbom || options.provenance) Object.assign(inspection, await (await import('./inspect-attestations.js')).attestationInspection(archive, options));
  return { inspection, archive };
}

/** Pure: the text `bundle inspect` prints (with --sbom or --provenance, only those). */
export function describeInspection(i: Inspection): string[] {
  if (i.sbom || i.provenance) return describeAttestations(i);
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const lines = [`${i.kind === 'bundle' ? 'bundle' : 'OCI layout'} ${i.file}${i.tool ? ` (made by ${i.tool})` : ''}`, `compression: ${i.compression} (${mb(i.size)} on disk, ${mb(i.tarSize)} of tar)`];
  if (!i.signed) lines.push('signed: no');
  else if (i.signatureVerifiedWith) lines.push(`signed: yes, signature checked with key ${i.signatureVerifiedWith}`);
  else lines.push(`signed (not verified: pass --key)${i.signerKeyFingerprint ? `; bundle.json names key ${i.signerKeyFingerprint}` : ''}`);
  if (i.dependsOn) {
    const on = [i.dependsOn.bundle && `bundle ${i.dependsOn.bundle}`, i.dependsOn.bundleJsonSha256 && `(bundle.json ${i.dependsOn.bundleJsonSha256})`, i.dependsOn.registry && `registry ${i.dependsOn.registry}`].filter(Boolean).join(' ');
    lines.push(`differential: depends on ${on}, which holds ${count(i.dependsOn.blobs, 'blob')} (${mb(i.dependsOn.bytes)}) left out here`);
  }
  for (const img of i.images) {
    lines.push(`image ${img.name} ${img.digest} (${img.mediaType})`);
    for (const p of img.platforms) lines.push(`  ${p.platform.padEnd(14)} ${p.digest} (manifest ${p.size} B)`);
    lines.push(`  ${count(img.blobs, 'blob')}, ${mb(img.bytes)}`);
  }
  for (const m of i.manifests) lines.push(`manifest ${m}`);
  if (i.kind === 'bundle') lines.push(`routing API versions: ${i.routingApiVersions.join(', ') || 'none'}`);
  return lines;
}

function describeAttestations(i: Inspection): string[] {
  const lines: string[] = [];
  for (const s of i.sbom ?? []) {
    lines.push(`sbom ${s.image} ${s.platform} (attestation ${s.attestation}): ${count(s.packages.length, 'package')}`);
    const width = (pick: (p: SbomPackage) => string) => Math.max(0, ...s.packages.map((p) => pick(p).length));
    const [name, version] = [width((p) => p.name), width((p) => p.version)];
    for (const p of s.packages) lines.push(`  ${p.name.padEnd(name)}  ${p.version.padEnd(version)}  ${p.license}`.trimEnd());
  }
  for (const p of i.provenance ?? []) {
    lines.push(`provenance ${p.image} ${p.platform} (attestation ${p.attestation}, ${p.predicateType})`);
    lines.push(`  builder    ${p.builder || '(none recorded)'}${p.buildType ? ` (${p.buildType})` : ''}`);
    const source = [p.source.uri, p.source.revision && `revision ${p.source.revision}`, p.source.digest].filter(Boolean).join(' ');
    lines.push(`  source     ${source || '(none recorded)'}`);
    for (const [k, v] of Object.entries(p.args)) lines.push(`  arg        ${k}=${v}`);
    for (const m of p.materials) lines.push(`  material   ${m.uri}${m.digest ? ` ${m.digest}` : ''}`);
  }
  return lines;
}

/** Writes DIR/payload and DIR/signature as `cosign verify-blob --key PUB --signature DIR/signature DIR/payload` takes them. */
export async function exportSignature(archive: OpenedArchive, dir: string): Promise<{ payload: string; signature: string }> {
  if (!archive.bundleJsonRaw || !archive.signature) {
    throw new InputError(`${archive.index.file} is not signed (no ${signatureName})`, { hint: 'only bundles made with `bundle create --sign-key` have a signature to export' });
  }
  await mkdir(dir, { recursive: true });
  const payload = join(dir, 'payload');
  const signature = join(dir, 'signature');
  await writeFile(payload, archive.bundleJsonRaw);
  await writeFile(signature, archive.signature);
  return { payload, signature };
}
