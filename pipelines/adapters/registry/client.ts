// The one door to OCI distribution registries (the registry HTTP API v2): manifests,
// blobs and tags; HEAD checks, cross-repository mounts and streamed, verified uploads.
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ExternalError } from '../../errors.js';
import { Authenticator, RegistryAuthError } from './auth.js';
import type { Credentials } from './credentials.js';
import { checkBlobContent, DigestCheck } from './digest-check.js';
import { headerValue, registryErrors, send, TransientError, type HttpResponse } from './http.js';
import { bodyStream, type UploadBody } from '../http/upload.js';
import { transientStatus } from '../retry.js';
import { defaultRetry, withRetry, type RetryPolicy } from './retry.js';
import { manifestAccept, sha256, type ImageIndex, type ImageManifest } from './types.js';

export interface FetchedManifest<T> {
  digest: string;
  mediaType: string;
  body: T;
  raw: Buffer;
}

export interface RegistryClientOptions {
  /** Plain HTTP (default for loopback addresses). */
  insecure?: boolean;
  credentials?: Credentials;
  retry?: Partial<RetryPolicy>;
}

interface CallOptions {
  headers?: Record<string, string>;
  body?: () => Buffer | UploadBody;
  readBody?: boolean;
  maxBody?: number;
  sink?: (body: Readable) => Promise<void>;
}

/**
 * Every request here is idempotent (blobs and manifests are content-addressed; a tag PUT
 * writes the same digest again), so transient failures are retried with backoff and jitter.
 */
/**
 * A read answered 500 while another client writes the same manifest or blob: the registry's
 * filesystem storage rewrites a link file in place, so a concurrent read can find it empty.
 * Reads are tried again on 500, as go-containerregistry does; writes are not.
 */
function readRace(method: string, status: number): boolean {
  return status === 500 && (method === 'GET' || method === 'HEAD');
}

export class RegistryClient {
  readonly base: string;
  private readonly auth: Authenticator;
  private readonly retry: RetryPolicy;

  constructor(
    readonly host: string,
    options: RegistryClientOptions = {},
  ) {
    const plain = options.insecure ?? /^(127\.|localhost[:/]|localhost$|\[::1\])/.test(host);
    this.base = `${plain ? 'http' : 'https'}://${host}`;
    this.auth = new Authenticator(host, options.credentials);
    this.retry = { ...defaultRetry, ...options.retry };
  }

  /** One request, authenticating on 401; `what` names it in messages. */
  private async call(method: string, target: string | URL, what: string, options: CallOptions = {}): Promise<HttpResponse> {
    const url = typeof target === 'string' ? new URL(`/v2/${target}`, this.base) : target;
    // Credentials go only to the registry's own scheme, host and port: an upload Location
    // naming another host, or plain http, gets none (as Docker's client strips them).
    const ours = url.origin === new URL(this.base).origin;
    for (let attempt = 0; ; attempt++) {
      const { header, generation } = this.auth.current();
      const headers = { ...options.headers, ...(header && ours ? { authorization: header } : {}) };
      const res = await send({ method, url, headers, body: options.body?.(), readBody: options.readBody, maxBody: options.maxBody, sink: options.sink });
      if (res.status === 401 && attempt < 3 && ours) {
        await this.auth.refresh(generation, headerValue(res.headers, 'www-authenticate'));
        continue;
      }
      if (transientStatus(res.status) || readRace(method, res.status)) {
        throw new TransientError(`${what}: ${this.host} answered HTTP ${res.status} ${registryErrors(res.body)}`.trim());
      }
      if (res.status === 401 || res.status === 403) {
        throw new RegistryAuthError(`${what}: ${this.host} denied access (HTTP ${res.status} ${registryErrors(res.body)})`.trim());
      }
      return res;
    }
  }

  /** `call` with retries and backoff on transient failures. */
  private async retried<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(this.retry, fn);
    } catch (error) {
      if (error instanceof TransientError) {
        throw new ExternalError(`${what}: ${error.message} (gave up after ${this.retry.attempts} tries)`, {
          cause: error,
          hint: `check that the registry ${this.host} is up; re-running uploads only what is missing`,
        });
      }
      throw error;
    }
  }

  private unexpected(what: string, res: HttpResponse): ExternalError {
    return new ExternalError(`${what}: ${this.host} answered HTTP ${res.status} ${registryErrors(res.body)}`.trim());
  }

  async ping(): Promise<boolean> {
    const res = await this.retried('ping', () => send({ method: 'GET', url: new URL('/v2/', this.base) }));
    return res.status === 200 || res.status === 401;
  }

  /** Whether the registry's API root asks for credentials (HTTP 401) before anything else. */
  async requiresAuth(): Promise<boolean> {
    const res = await this.retried('ping', () => send({ method: 'GET', url: new URL('/v2/', this.base) }));
    if (res.status === 401) return true;
    if (res.status === 200) return false;
    throw this.unexpected('GET /v2/', res);
  }

  /** Fails early, with a clear message, when the registry is unreachable or refuses us. */
  async checkAccess(repository: string): Promise<void> {
    const what = `access to ${this.host}/${repository}`;
    const res = await this.retried(what, () => this.call('GET', `${repository}/tags/list`, what));
    if (res.status !== 200 && res.status !== 404) throw this.unexpected(what, res);
  }

  async manifest<T = ImageIndex | ImageManifest>(repository: string, reference: string): Promise<FetchedManifest<T> | undefined> {
    const what = `GET manifest ${repository}:${reference}`;
    const res = await this.retried(what, () => this.call('GET', `${repository}/manifests/${reference}`, what, { headers: { accept: manifestAccept } }));
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.unexpected(what, res);
    const digest = sha256(res.body);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new ExternalError(`manifest ${repository}@${reference} from ${this.host} has digest ${digest}`);
    }
    const body = JSON.parse(res.body.toString('utf8')) as T & { mediaType?: string };
    return { digest, mediaType: body.mediaType ?? headerValue(res.headers, 'content-type') ?? '', body, raw: res.body };
  }

  /** The digest a manifest reference (tag or digest) resolves to, or undefined if absent. */
  async manifestDigest(repository: string, reference: string): Promise<string | undefined> {
    const what = `HEAD manifest ${repository}:${reference}`;
    const res = await this.retried(what, () =>
      this.call('HEAD', `${repository}/manifests/${reference}`, what, { headers: { accept: manifestAccept }, readBody: false }),
    );
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.unexpected(what, res);
    return headerValue(res.headers, 'docker-content-digest') ?? (reference.startsWith('sha256:') ? reference : undefined);
  }

  async putManifest(repository: string, reference: string, mediaType: string, raw: Buffer): Promise<string> {
    const what = `PUT manifest ${repository}:${reference}`;
    const res = await this.retried(what, () =>
      this.call('PUT', `${repository}/manifests/${reference}`, what, { headers: { 'content-type': mediaType }, body: () => raw }),
    );
    if (res.status !== 201 && res.status !== 200) throw this.unexpected(what, res);
    const digest = sha256(raw);
    const stored = headerValue(res.headers, 'docker-content-digest');
    if (stored && stored !== digest) throw new ExternalError(`${what}: ${this.host} stored it as ${stored}, expected ${digest}`);
    return digest;
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const what = `HEAD blob ${repository}@${digest}`;
    const res = await this.retried(what, () => this.call('HEAD', `${repository}/blobs/${digest}`, what, { readBody: false }));
    if (res.status === 404) return false;
    if (res.status !== 200) throw this.unexpected(what, res);
    return true;
  }

  async blob(repository: string, digest: string): Promise<Buffer> {
    const what = `GET blob ${repository}@${digest}`;
    const res = await this.retried(what, () => this.call('GET', `${repository}/blobs/${digest}`, what, { maxBody: 1 << 30 }));
    if (res.status !== 200) throw this.unexpected(what, res);
    if (sha256(res.body) !== digest) throw new ExternalError(`blob ${repository}@${digest} from ${this.host} does not match its digest`);
    return res.body;
  }

  /**
   * A blob streamed to `file` (replaced on each try), its size and sha256 checked on the way:
   * layers of any size, in constant memory.
   */
  async blobToFile(repository: string, blob: { digest: string; size: number }, file: string): Promise<void> {
    const what = `GET blob ${repository}@${blob.digest}`;
    // A blob that arrives different from its descriptor is the registry's fault, not the user's input.
    const fromRegistry = (message: string) => new ExternalError(message, { hint: `check the registry ${this.host}: it serves a blob that does not match its digest` });
    const sink = (body: Readable) => pipeline(body, new DigestCheck(blob.digest, blob.size, `${this.host}/${repository}`, fromRegistry), createWriteStream(file));
    const res = await this.retried(what, () => this.call('GET', `${repository}/blobs/${blob.digest}`, what, { sink }));
    if (res.status !== 200) throw this.unexpected(what, res);
  }

  /** Every tag of the repository, following the registry's pagination (`Link: <…>; rel="next"`). */
  async tags(repository: string, pageSize?: number): Promise<string[]> {
    const what = `GET tags of ${repository}`;
    const all: string[] = [];
    let url: URL | undefined = new URL(`/v2/${repository}/tags/list`, this.base);
    if (pageSize) url.searchParams.set('n', String(pageSize));
    for (let page = 0; url; page++) {
      if (page > 10_000) throw new ExternalError(`${what}: ${this.host} keeps sending more pages (a Link loop?)`);
      const target: URL = url;
      const res = await this.retried(what, () => this.call('GET', target, what));
      if (res.status === 404 && page === 0) return [];
      if (res.status !== 200) throw this.unexpected(what, res);
      all.push(...((JSON.parse(res.body.toString('utf8')) as { tags: string[] | null }).tags ?? []));
      const next = nextLink(headerValue(res.headers, 'link'));
      url = next ? new URL(next, this.base) : undefined;
    }
    return all;
  }

  /** Mounts a blob from another repository of the same registry; false if the registry declined. */
  /** The registry's repositories (GET /v2/_catalog, first page); [] when it does not list them to us. */
  async repositories(): Promise<string[]> {
    const what = 'GET /v2/_catalog';
    const res = await this.retried(what, () => this.call('GET', '_catalog?n=1000', what)).catch(() => undefined);
    if (res?.status !== 200) return [];
    try {
      const list = (JSON.parse(res.body.toString('utf8')) as { repositories?: unknown }).repositories;
      return Array.isArray(list) ? list.filter((r): r is string => typeof r === 'string') : [];
    } catch {
      return [];
    }
  }

  async mountBlob(repository: string, digest: string, from: string): Promise<boolean> {
    const what = `mount blob ${digest} from ${from} into ${repository}`;
    const query = `mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
    const res = await this.retried(what, () => this.call('POST', `${repository}/blobs/uploads/?${query}`, what));
    if (res.status === 201) return true;
    if (res.status === 202) {
      await this.cancelUpload(res).catch(() => undefined);
      return false;
    }
    throw this.unexpected(what, res);
  }

  private async cancelUpload(res: HttpResponse): Promise<void> {
    const location = headerValue(res.headers, 'location');
    if (location) await this.call('DELETE', new URL(location, this.base), 'cancel upload');
  }

  /**
   * Uploads a blob from a stream opened fresh for each try, verifying size and digest on
   * the way (a mismatch stops the upload before its last bytes). Monolithic POST + PUT.
   */
  /**
   * Streams a blob in one PUT. The registry hashes what it receives and refuses to commit
   * content that does not match the digest (the distribution spec requires it: 400
   * DIGEST_INVALID), so the bytes are not hashed a second time here; when the registry
   * refuses them, the blob is read again to say what it hashes to.
   */
  async uploadBlob(repository: string, blob: { digest: string; size: number }, open: () => UploadBody, origin: string): Promise<void> {
    const what = `upload blob ${blob.digest} to ${repository}`;
    await this.retried(what, async () => {
      const started = await this.call('POST', `${repository}/blobs/uploads/`, what);
      const location = headerValue(started.headers, 'location');
      if (started.status !== 202 || !location) throw this.unexpected(what, started);
      const url = new URL(location, this.base);
      url.searchParams.set('digest', blob.digest);
      const headers = { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) };
      const res = await this.call('PUT', url, what, { headers, body: open });
      if (res.status === 400 && /\b(DIGEST_INVALID|SIZE_INVALID)\b/.test(registryErrors(res.body))) {
        await checkBlobContent(bodyStream(open()), blob, origin);
        throw new ExternalError(`${what}: ${this.host} refused the blob as not matching its digest (${registryErrors(res.body)}), yet its content hashes to ${blob.digest} here`);
      }
      if (res.status !== 201) throw this.unexpected(what, res);
    });
  }
}

/** The target of a `rel="next"` entry of a Link header (RFC 8288), if any. */
export function nextLink(header: string | undefined): string | undefined {
  for (const part of header?.split(/,(?=\s*<)/) ?? []) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match && /;\s*rel="?next"?(\s|;|$)/i.test(match[2]!)) return match[1];
  }
  return undefined;
}
