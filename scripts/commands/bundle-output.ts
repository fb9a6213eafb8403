// What `bundle verify` and `bundle inspect` report, in every -o format: the documents
// BundleVerification and BundleInspection (schema/output/), text for people, names.
import type { Report } from '../command-kit/output-format.js';
import type { Inspection } from '../../pipelines/bundle/inspect.js';
import type { VerifyReport } from '../../pipelines/bundle/verify.js';

const names = (images: readonly { name: string }[], manifests: readonly string[]) => [...images.map((i) => `image/${i.name}`), ...manifests.map((m) => `manifest/${m}`)];

export async function verificationReport(report: VerifyReport): Promise<Report<object>> {
  const [{ describeArchive }, { kubeObjects }] = await Promise.all([import('../../pipelines/bundle/verify.js'), import('../../pipelines/bundle/manifest-docs.js')]);
  const { archive } = report;
  const base = archive.bundle?.base;
  const signerKey = archive.bundle?.signer?.keyFingerprint;
  const data = {
    file: archive.index.file,
    format: archive.kind,
    tool: archive.bundle ? `shipline ${archive.bundle.tool.version}` : undefined,
    filesChecked: report.filesChecked,
    bytesChecked: report.bytesChecked,
    signature: report.signedBy
      ? { status: 'good', keyFingerprint: report.signedBy }
      : signerKey
        ? { status: 'not checked', keyFingerprint: signerKey }
        : { status: 'unsigned' },
    differential: base ? { blobs: base.blobs.length, bundle: base.bundle, registry: base.registry } : undefined,
    images: archive.images.map((img) => ({
      name: img.name,
      digest: img.image.root.descriptor.digest,
      platforms: img.image.platforms.map((p) => ({ platform: p.platform, digest: p.digest })),
      blobs: img.image.blobs.length,
      bytes: img.image.blobs.reduce((s, b) => s + b.size, 0),
      dockerArchives: archive.bundle?.images.find((b) => b.name === img.name)?.dockerArchives ?? [],
    })),
    manifests: archive.manifests.map((m) => ({
      path: m.path,
      objects: kubeObjects(m.path, m.text).map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace })),
    })),
    routingApiVersions: archive.bundle?.routingApiVersions,
  };
  return {
    kind: 'BundleVerification',
    data,
    text: () => describeArchive(report, kubeObjects).join('\n'),
    names: () => names(data.images, data.manifests.map((m) => m.path)),
  };
}

export async function inspectionReport(inspection: Inspection): Promise<Report<object>> {
  const { describeInspection } = await import('../../pipelines/bundle/inspect.js');
  // `kind` is the document's own kind: the archive's is `format`.
  const { kind: format, file, ...rest } = inspection;
  return {
    kind: 'BundleInspection',
    data: { file, format, ...rest },
    text: () => describeInspection(inspection).join('\n'),
    names: () => names(inspection.images, inspection.manifests),
  };
}
