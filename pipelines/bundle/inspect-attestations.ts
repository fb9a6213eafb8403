// `bundle inspect --sbom / --provenance`: the attestations of every image (or of one platform).
import { InputError } from '../errors.js';
import { provenanceSummary, sbomPackages } from './attestation-summary.js';
import { attestationsOf, spdxPredicateType, type PlatformAttestations } from './attestations.js';
import type { Inspection, InspectOptions } from './inspection.js';
import type { OpenedArchive } from './open.js';

const isProvenance = (type: string) => type.startsWith('https://slsa.dev/provenance/');

function selected(all: PlatformAttestations[], file: string, platform: string | undefined): PlatformAttestations[] {
  if (platform === undefined) return all;
  const chosen = all.filter((a) => a.platform === platform);
  if (chosen.length === 0) {
    const have = [...new Set(all.map((a) => a.platform))].join(', ') || 'none';
    throw new InputError(`--platform ${platform}: ${file} has no attestations for that platform (it has: ${have})`, {
      hint: 'pass one of the platforms listed, or leave out --platform',
    });
  }
  return chosen;
}

export async function attestationInspection(archive: OpenedArchive, options: InspectOptions): Promise<Pick<Inspection, 'sbom' | 'provenance'>> {
  const file = archive.index.file;
  const all = selected(await attestationsOf(archive), file, options.platform);
  const out: Pick<Inspection, 'sbom' | 'provenance'> = {};
  const base = (a: PlatformAttestations) => ({ image: a.image, platform: a.platform, attestation: a.digest });
  if (options.sbom) {
    out.sbom = all.flatMap((a) =>
      a.statements.filter((s) => s.predicateType === spdxPredicateType).map((s) => ({ ...base(a), packages: sbomPackages(s.predicate) })));
    if (out.sbom.length === 0) {
      throw new InputError(`${file} holds no SBOM (no SPDX attestation${options.platform ? ` for ${options.platform}` : ''})`, {
        hint: 'build the image with attest.sbom: true (and attest.scanner where BuildKit cannot pull its default scanner), then bundle it again',
      });
    }
  }
  if (options.provenance) {
    out.provenance = all.flatMap((a) =>
      a.statements.filter((s) => isProvenance(s.predicateType)).map((s) => ({ ...base(a), ...provenanceSummary(s.predicateType, s.predicate) })));
    if (out.provenance.length === 0) {
      throw new InputError(`${file} holds no provenance (no SLSA attestation${options.platform ? ` for ${options.platform}` : ''})`, {
        hint: 'build the image with attest.provenance: true, then bundle it again',
      });
    }
  }
  return out;
}
