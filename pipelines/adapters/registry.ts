// The one door to OCI distribution registries (the registry HTTP API v2).
import { createHash } from 'node:crypto';
import { ExternalError } from '../errors.js';

export const mediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

const manifestAccept = Object.values(mediaTypes).join(', ');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface FetchedManifest<T> {
  digest: string;
  mediaType: string;
  body: T;
  raw: Buffer;
}

export function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function platformString(p: NonNullable<Descriptor['platform']>): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

export class RegistryClient {
  readonly base: string;
  constructor(host: string, options: { insecure?: boolean } = {}) {
    const plain = options.insecure ?? /^(127\.|localhost[:/]|localhost$)/.test(host);
    this.base = `${plain ? 'http' : 'https'}://${host}`;
  }

  private async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await fetch(`${this.base}/v2/${path}`, init);
    } catch (error) {
      throw new ExternalError(`registry ${this.base} is unreachable: ${(error as Error).message}`, { cause: error });
    }
  }

  async ping(): Promise<boolean> {
    const res = await this.fetch('');
    return res.status === 200 || res.status === 401;
  }

  async manifest<T = ImageIndex | ImageManifest>(repository: string, reference: string): Promise<FetchedManifest<T> | undefined> {
    const res = await this.fetch(`${repository}/manifests/${reference}`, { headers: { accept: manifestAccept } });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new ExternalError(`GET manifest ${repository}:${reference} from ${this.base}: HTTP ${res.status}`);
    const raw = Buffer.from(await res.arrayBuffer());
    const digest = sha256(raw);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new ExternalError(`manifest ${repository}@${reference} from ${this.base} has digest ${digest}`);
    }
    const body = JSON.parse(raw.toString('utf8')) as T & { mediaType?: string };
    return { digest, mediaType: body.mediaType ?? res.headers.get('content-type') ?? '', body, raw };
  }

  async blob(repository: string, digest: string): Promise<Buffer> {
    const res = await this.fetch(`${repository}/blobs/${digest}`);
    if (!res.ok) throw new ExternalError(`GET blob ${repository}@${digest} from ${this.base}: HTTP ${res.status}`);
    const data = Buffer.from(await res.arrayBuffer());
    if (sha256(data) !== digest) throw new ExternalError(`blob ${repository}@${digest} from ${this.base} does not match its digest`);
    return data;
  }

  async tags(repository: string): Promise<string[]> {
    const res = await this.fetch(`${repository}/tags/list`);
    if (res.status === 404) return [];
    if (!res.ok) throw new ExternalError(`GET tags of ${repository} from ${this.base}: HTTP ${res.status}`);
    return ((await res.json()) as { tags: string[] | null }).tags ?? [];
  }
}
