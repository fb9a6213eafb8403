// The attestations BuildKit attaches to an image index: one attestation manifest per platform
// (platform unknown/unknown, annotated with the digest of the manifest it describes), whose
// layers are in-toto statements: an SPDX document (SBOM) and SLSA provenance. Read from an
// opened archive, each statement checked against its digest.
import { InputError } from '../errors.js';
import { platformString, sha256, type Descriptor, type ImageIndex, type ImageManifest } from '../adapters/registry.js';
import { tarLayoutReader } from './layout-source.js';
import { blobPath } from './oci-layout.js';
import type { OpenedArchive, OpenedImage } from './open.js';

export const spdxPredicateType = 'https://spdx.dev/Document';
const referenceType = 'vnd.docker.reference.type';
const referenceDigest = 'vnd.docker.reference.digest';

export interface Statement {
  predicateType: string;
  predicate: unknown;
}

export interface PlatformAttestations {
  image: string;
  platform: string;
  /** The attestation manifest's digest, and the platform manifest it describes. */
  digest: string;
  subject: string;
  statements: Statement[];
}

type DescriptorWithAnnotations = Descriptor & { annotations?: Record<string, string> };

function parse<T>(raw: Buffer, what: string): T {
  try {
    return JSON.parse(raw.toString('utf8')) as T;
  } catch (error) {
    throw new InputError(`${what} is not valid JSON: ${(error as Error).message}`, { hint: 'the archive is corrupted; recreate it' });
  }
}

/** The attestation manifests of one image, each with its statements, in index order. */
async function imageAttestations(archive: OpenedArchive, img: OpenedImage): Promise<PlatformAttestations[]> {
  const index = parse<ImageIndex>(img.image.root.raw, `${archive.index.file}: index of ${img.name}`);
  if (!Array.isArray(index.manifests)) return [];
  const entries = index.manifests as DescriptorWithAnnotations[];
  const reader = tarLayoutReader(archive.index, img.layout);
  const out: PlatformAttestations[] = [];
  for (const entry of entries) {
    if (entry.annotations?.[referenceType] !== 'attestation-manifest') continue;
    const subject = entry.annotations[referenceDigest] ?? '';
    const described = entries.find((e) => e.digest === subject && e.platform);
    const child = img.image.children.find((c) => c.descriptor.digest === entry.digest);
    if (!child) continue;
    const manifest = parse<ImageManifest>(child.raw, `${archive.index.file}: attestation manifest ${entry.digest}`);
    const statements: Statement[] = [];
    for (const layer of manifest.layers ?? []) {
      const raw = await reader.read(blobPath(layer.digest));
      // A differential bundle leaves out blobs the site already has: nothing to read here.
      if (!raw) continue;
      if (sha256(raw) !== layer.digest) {
        throw new InputError(`${archive.index.file}: attestation ${layer.digest} of ${img.name} does not match its digest`, { hint: 'the archive is corrupted; recreate it' });
      }
      const statement = parse<Partial<Statement>>(raw, `${archive.index.file}: attestation ${layer.digest}`);
      statements.push({ predicateType: String(statement.predicateType ?? ''), predicate: statement.predicate });
    }
    out.push({
      image: img.name,
      platform: described?.platform ? platformString(described.platform) : 'unknown',
      digest: entry.digest,
      subject,
      statements,
    });
  }
  return out;
}

export async function attestationsOf(archive: OpenedArchive): Promise<PlatformAttestations[]> {
  const all: PlatformAttestations[] = [];
  for (const img of archive.images) all.push(...(await imageAttestations(archive, img)));
  return all;
}
