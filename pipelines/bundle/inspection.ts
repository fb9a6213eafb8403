// What `bundle inspect` reports, and what it is asked for.
import type { KeyObject } from 'node:crypto';
import type { ProvenanceSummary, SbomPackage } from './attestation-summary.js';
import type { OpenedArchive } from './open.js';

export interface AttestedPlatform {
  image: string;
  platform: string;
  /** The attestation manifest's digest. */
  attestation: string;
}

export interface Inspection {
  file: string;
  kind: OpenedArchive['kind'];
  compression: string;
  /** Bytes on disk, and of the tar inside (equal when uncompressed). */
  size: number;
  tarSize: number;
  tool?: string;
  images: {
    name: string;
    digest: string;
    mediaType: string;
    platforms: { platform: string; digest: string; size: number }[];
    blobs: number;
    bytes: number;
  }[];
  manifests: string[];
  routingApiVersions: string[];
  signed: boolean;
  /** What bundle.json says signed it: a claim until the signature is checked. */
  signerKeyFingerprint?: string;
  /** The signature was checked (with --key), against the key with this fingerprint. */
  signatureVerifiedWith?: string;
  dependsOn?: { bundle?: string; bundleJsonSha256?: string; registry?: string; blobs: number; bytes: number };
  /** With --sbom: each platform's SPDX packages. */
  sbom?: (AttestedPlatform & { packages: SbomPackage[] })[];
  /** With --provenance: each platform's SLSA provenance. */
  provenance?: (AttestedPlatform & ProvenanceSummary)[];
}

export interface InspectOptions {
  key?: KeyObject;
  sbom?: boolean;
  provenance?: boolean;
  /** Only this platform's attestations (with sbom or provenance). */
  platform?: string;
}
