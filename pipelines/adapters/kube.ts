// The one door to Kubernetes: the kubeconfig read as @kubernetes/client-node reads it
// (kube-config.ts, kube-credentials.ts: client-node itself only for exec plugins and auth
// providers), requests through the HTTP door (pipelines/adapters/http: kept-alive connections,
// a deadline on every request, idempotent ones retried with jitter on transient failures),
// server-side apply with an explicit field manager.
import { existsSync } from 'node:fs';
import { KubeConfig } from './kube-config.js';
import { clientNodeCredentials, needsClientNode, staticCredentials, type KubeCredentials } from './kube-credentials.js';
import { PreconditionError } from '../errors.js';
import { KubeApiError, type KubeStatusCause } from './kube-error.js';
import type { KubeObject } from '../model/kube-object.js';

export type { KubeObject } from '../model/kube-object.js';

export { KubeApiError, type KubeStatusCause } from './kube-error.js';
// The door's parts, not its index: the index loads undici, which the Kubernetes API's HTTP/2 requests never need.
import { idempotent, RequestTimeoutError, requestTimeoutMs, retried, retryPolicies } from './http/policy.js';
import { send } from './http/request.js';
import type { TlsOptions } from './http/connection-key.js';

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

export { idempotent };


/** The TLS options of credentials, one object per credentials (the HTTP door keys its connection pools by it). */
const tlsOptions = new WeakMap<KubeCredentials, TlsOptions>();

function tlsOf(auth: KubeCredentials): TlsOptions {
  let tls = tlsOptions.get(auth);
  if (!tls) {
    const all = { ca: auth.ca, cert: auth.cert, key: auth.key, rejectUnauthorized: auth.rejectUnauthorized, servername: auth.servername };
    tls = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as TlsOptions;
    tlsOptions.set(auth, tls);
  }
  return tls;
}

export class KubeClient {
  private readonly discovery = new Map<string, Promise<{ name: string; kind: string; namespaced: boolean }[]>>();
  /** Credentials that do not change (no exec plugin or auth provider): read once, not per request. */
  private fixedCredentials: KubeCredentials | undefined;

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
    return retried(retryPolicies.kube, !options.once && idempotent(method, options.contentType), () => this.requestOnce<T>(method, path, options));
  }

  private async requestOnce<T>(method: string, path: string, options: KubeRequestOptions): Promise<KubeResponse<T>> {
    const url = new URL(path, this.server);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    // Credentials as client-node reads them (tokens, exec plugins, client certificates);
    // the connection itself is the door's, kept alive and shared by every request.
    const auth = await this.credentials();
    const headers: Record<string, string> = { accept: 'application/json', ...auth.headers };
    const payload =
      options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const timeoutMs = options.timeoutMs ?? requestTimeoutMs(30_000);
    const hint = 'check the kube context, or start the local cluster with `npm run stack:up`';
    const res = await send({
      method,
      url,
      headers,
      body: payload,
      tls: tlsOf(auth),
      proxy: this.config.getCurrentCluster()?.proxyUrl,
      idleTimeoutMs: timeoutMs,
      totalTimeoutMs: timeoutMs,
      // As kubectl does: every request of a command on one connection, one TLS handshake
      // (client and apiserver each pay one per connection) instead of one per request in flight.
      http2: true,
      hint,
      timedOut: () =>
        new RequestTimeoutError(`the Kubernetes API at ${this.server} did not answer ${method} ${url.pathname} within ${timeoutMs / 1000}s`, {
          hint: `${hint}; SHIPLINE_TIMEOUT sets the limit in seconds`,
        }),
      unreachable: (error) => `cannot reach the Kubernetes API at ${this.server} (${method} ${url.pathname}): ${error.message}`,
    });
    const text = res.body.toString('utf8');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    if (res.status >= 400) {
      const s = body as { message?: string; reason?: string; details?: { causes?: KubeStatusCause[] } };
      throw new KubeApiError(res.status, s.reason ?? '', `${method} ${url.pathname}: ${res.status} ${s.message ?? text}`, s.details?.causes ?? []);
    }
    return { status: res.status, body: body as T };
  }

  private async credentials(): Promise<KubeCredentials> {
    if (needsClientNode(this.config)) return clientNodeCredentials(this.config);
    this.fixedCredentials ??= staticCredentials(this.config);
    return this.fixedCredentials;
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

  async apply<T extends KubeObject>(object: T, options: { fieldManager: string; force?: boolean; dryRun?: boolean }): Promise<T> {
    return (await this.applyResult(object, options)).object;
  }

  /** Server-side apply, saying whether the object was created (HTTP 201) rather than updated or left as it was (200). */
  async applyResult<T extends KubeObject>(
    object: T,
    options: { fieldManager: string; force?: boolean; dryRun?: boolean },
  ): Promise<{ object: T; created: boolean }> {
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
    return { object: res.body, created: res.status === 201 };
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
