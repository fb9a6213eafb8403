// The one door to Kubernetes: kubeconfig loading and auth from @kubernetes/client-node,
// requests over its TLS settings, server-side apply with an explicit field manager. Every
// request has a deadline; idempotent ones are retried with jitter on transient failures.
import { existsSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createSecureContext, type SecureContext } from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import { ExternalError, PreconditionError } from '../errors.js';
import { KubeApiError, type KubeStatusCause } from './kube-error.js';
import type { KubeObject } from '../model/kube-object.js';

export type { KubeObject } from '../model/kube-object.js';

export { KubeApiError, type KubeStatusCause } from './kube-error.js';
import { RequestTimeoutError, requestTimeoutMs, TransientError, transientNetworkError, transientStatus, withRetry, type RetryPolicy } from './retry.js';
import { detail } from '../verbosity.js';

export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
}

export interface KubeRequestOptions {
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | undefined>;
  /** Deadline of one try (default SHIPLINE_TIMEOUT, else 30 s). */
  timeoutMs?: number;
  /** One try only, even for an idempotent request (a probe that must answer quickly). */
  once?: boolean;
}

/** Reads and server-side applies give the same result when sent twice; POST, PUT and DELETE may not. */
export function idempotent(method: string, contentType?: string): boolean {
  return method === 'GET' || method === 'HEAD' || (method === 'PATCH' && contentType === 'application/apply-patch+yaml');
}

const kubeRetry: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 4_000 };

const retryable = (error: unknown) => error instanceof TransientError || (error instanceof KubeApiError && transientStatus(error.status));

export class KubeClient {
  private readonly discovery = new Map<string, Promise<{ name: string; kind: string; namespaced: boolean }[]>>();
  /** Reuses TLS connections: a handshake with client certificates costs more than most requests. */
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });
  private secureContext?: SecureContext;

  private constructor(
    readonly config: KubeConfig,
    readonly kubeconfigPath: string,
  ) {}

  get currentContext(): string {
    return this.config.getCurrentContext();
  }

  /** A client of a kubeconfig already read and checked (pipelines/cluster/kubeconfig.ts); `source` names its files in messages. */
  static fromConfig(config: KubeConfig, source: string): KubeClient {
    return new KubeClient(config, source);
  }

  /** A client of one kubeconfig file; which file a command uses is chosen by pipelines/cluster/kubeconfig.ts. */
  static load(kubeconfigPath: string, context?: string): KubeClient {
    if (!existsSync(kubeconfigPath)) {
      throw new PreconditionError(`no kubeconfig at ${kubeconfigPath}`, {
        hint: 'set KUBECONFIG, or start the local cluster with `npm run stack:up`',
      });
    }
    const config = new KubeConfig();
    config.loadFromFile(kubeconfigPath);
    if (context) config.setCurrentContext(context);
    return new KubeClient(config, kubeconfigPath);
  }

  get server(): string {
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new PreconditionError(`kubeconfig ${this.kubeconfigPath} has no current cluster`);
    return cluster.server;
  }

  async request<T = unknown>(method: string, path: string, options: KubeRequestOptions = {}): Promise<KubeResponse<T>> {
    const once = () => this.requestOnce<T>(method, path, options);
    if (options.once || !idempotent(method, options.contentType)) return once();
    return withRetry(kubeRetry, once, retryable).catch((error: unknown) => {
      if (error instanceof TransientError) {
        throw new ExternalError(`${error.message} (gave up after ${kubeRetry.attempts} tries)`, { cause: error, hint: error.hint });
      }
      throw error;
    });
  }

  private async requestOnce<T>(method: string, path: string, options: KubeRequestOptions): Promise<KubeResponse<T>> {
    const url = new URL(path, this.server);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    const httpsOptions: Parameters<typeof request>[1] = { method, headers: { accept: 'application/json' } };
    await this.config.applyToHTTPSOptions(httpsOptions);
    if (!this.config.getCurrentCluster()?.proxyUrl) {
      // client-node makes a new agent (a new TLS handshake) per request; keep one
      // connection pool and one TLS context for the client instead.
      const { ca, cert, key } = httpsOptions;
      this.secureContext ??= createSecureContext({ ca, cert, key });
      delete httpsOptions.ca;
      delete httpsOptions.cert;
      delete httpsOptions.key;
      (httpsOptions as { secureContext?: SecureContext }).secureContext = this.secureContext;
      httpsOptions.agent = this.agent;
    }
    const payload =
      options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    if (payload !== undefined) {
      // An explicit length: Node sends a DELETE body without one, and on a kept-alive
      // connection the server would read the body as the start of the next request.
      httpsOptions.headers = {
        ...httpsOptions.headers,
        'content-type': options.contentType ?? 'application/json',
        'content-length': String(Buffer.byteLength(payload)),
      };
    }
    const timeoutMs = options.timeoutMs ?? requestTimeoutMs(30_000);
    const hint = 'check the kube context, or start the local cluster with `npm run stack:up`';
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = request(url, httpsOptions, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => (clearTimeout(deadline), reject(new TransientError(`the Kubernetes API at ${this.server} broke off ${method} ${url.pathname}: ${error.message}`, { hint }))));
        res.on('end', () => {
          clearTimeout(deadline);
          detail(`${method} ${url.pathname}${url.search} → ${res.statusCode} (${Math.round(performance.now() - started)} ms)`);
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          const status = res.statusCode ?? 0;
          if (status >= 400) {
            const s = body as { message?: string; reason?: string; details?: { causes?: KubeStatusCause[] } };
            reject(new KubeApiError(status, s.reason ?? '', `${method} ${url.pathname}: ${status} ${s.message ?? text}`, s.details?.causes ?? []));
          } else {
            resolve({ status, body: body as T });
          }
        });
      });
      const deadline = setTimeout(() => {
        req.destroy(new RequestTimeoutError(`the Kubernetes API at ${this.server} did not answer ${method} ${url.pathname} within ${timeoutMs / 1000}s`, {
          hint: `${hint}; SHIPLINE_TIMEOUT sets the limit in seconds`,
        }));
      }, timeoutMs);
      req.on('error', (error) => {
        clearTimeout(deadline);
        if (error instanceof ExternalError) return reject(error);
        const message = `cannot reach the Kubernetes API at ${this.server} (${method} ${url.pathname}): ${error.message}`;
        reject(transientNetworkError(error) ? new TransientError(message, { hint, cause: error }) : new ExternalError(message, { hint, cause: error }));
      });
      req.end(payload);
    });
  }

  /** Group versions the API server serves, e.g. ["v1", "apps/v1", ...]. */
  async servedGroupVersions(): Promise<string[]> {
    const core = await this.request<{ versions: string[] }>('GET', '/api');
    const groups = await this.request<{ groups: { versions: { groupVersion: string }[] }[] }>('GET', '/apis');
    return [...core.body.versions, ...groups.body.groups.flatMap((g) => g.versions.map((v) => v.groupVersion))];
  }

  /** The resources of a group version, from discovery (cached per client); [] if not served. */
  resourcesOf(groupVersion: string): Promise<{ name: string; kind: string; namespaced: boolean }[]> {
    let cached = this.discovery.get(groupVersion);
    if (!cached) {
      cached = this.discoverResources(groupVersion).catch((error: unknown) => {
        this.discovery.delete(groupVersion);
        if (error instanceof KubeApiError && error.status === 404) return [];
        throw error;
      });
      this.discovery.set(groupVersion, cached);
    }
    return cached;
  }

  /** Forgets discovery results, e.g. after installing CRDs. */
  forgetDiscovery(): void {
    this.discovery.clear();
  }

  private async discoverResources(groupVersion: string): Promise<{ name: string; kind: string; namespaced: boolean }[]> {
    const path = groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
    const res = await this.request<{ resources: { name: string; kind: string; namespaced: boolean }[] }>('GET', path);
    return res.body.resources.filter((r) => !r.name.includes('/'));
  }

  /** The resource serving a kind in a group version, or undefined. */
  async resourceFor(apiVersion: string, kind: string): Promise<{ name: string; kind: string; namespaced: boolean } | undefined> {
    return (await this.resourcesOf(apiVersion)).find((r) => r.kind === kind);
  }

  /** The REST path of an object, found through discovery. */
  async objectPath(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<string> {
    const resource = await this.resourceFor(object.apiVersion, object.kind);
    if (!resource) {
      throw new PreconditionError(`the cluster does not serve ${object.kind} in ${object.apiVersion}`, {
        hint: 'install the CRD that defines it, or render for an API version the cluster serves',
      });
    }
    const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
    const ns = resource.namespaced ? `/namespaces/${object.metadata.namespace ?? 'default'}` : '';
    return `${base}${ns}/${resource.name}/${encodeURIComponent(object.metadata.name)}`;
  }

  async apply<T extends KubeObject>(
    object: T,
    options: { fieldManager: string; force?: boolean; dryRun?: boolean },
  ): Promise<T> {
    const res = await this.request<T>('PATCH', await this.objectPath(object), {
      body: object,
      contentType: 'application/apply-patch+yaml',
      query: {
        fieldManager: options.fieldManager,
        fieldValidation: 'Strict',
        force: options.force ? 'true' : undefined,
        dryRun: options.dryRun ? 'All' : undefined,
      },
    });
    return res.body;
  }

  async get<T extends KubeObject>(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<T | undefined> {
    try {
      return (await this.request<T>('GET', await this.objectPath(object))).body;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async delete(
    object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>,
    options: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' } = {},
  ): Promise<boolean> {
    try {
      const body = options.propagationPolicy ? { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: options.propagationPolicy } : undefined;
      await this.request('DELETE', await this.objectPath(object), { body });
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return false;
      throw error;
    }
  }
}
