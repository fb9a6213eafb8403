// OCI image-spec and distribution types shared by the registry client and bundles.
import { createHash } from 'node:crypto';

export const mediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

export const manifestAccept = Object.values(mediaTypes).join(', ');

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === mediaTypes.ociIndex || mediaType === mediaTypes.dockerList;
}

export function isManifestMediaType(mediaType: string | undefined): boolean {
  return isIndexMediaType(mediaType) || mediaType === mediaTypes.ociManifest || mediaType === mediaTypes.dockerManifest;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function platformString(p: NonNullable<Descriptor['platform']>): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

const digestPattern = /^sha256:[a-f0-9]{64}$/;

export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && digestPattern.test(value);
}
