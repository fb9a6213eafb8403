// One rollout per route at a time: a coordination.k8s.io/v1 Lease as the lock, renewed
// while the rollout runs, free for the taking once its holder stops renewing.
import { hostname } from 'node:os';
import { KubeApiError, type KubeClient } from '../adapters/kube.js';
import { PreconditionError } from '../errors.js';

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string; labels?: Record<string, string> };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string };
}

export function holderIdentity(): string {
  return `${process.env.USER ?? 'shipline'}@${hostname()}/${process.pid}`;
}

/** MicroTime: RFC 3339 with microseconds. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function leaseExpired(lease: Lease, now: Date): boolean {
  const renewed = lease.spec.renewTime ? Date.parse(lease.spec.renewTime) : 0;
  return renewed + (lease.spec.leaseDurationSeconds ?? 0) * 1000 < now.getTime();
}

export class RouteLock {
  private timer?: NodeJS.Timeout;
  private lease?: Lease;

  constructor(
    private readonly client: KubeClient,
    readonly name: string,
    readonly namespace: string,
    private readonly durationSeconds: number,
    readonly holder = holderIdentity(),
  ) {}

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.namespace}/leases`;
  }

  private body(acquireTime: string, resourceVersion?: string): Lease {
    const now = microTime(new Date());
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace, resourceVersion, labels: { 'app.kubernetes.io/managed-by': 'shipline' } },
      spec: { holderIdentity: this.holder, leaseDurationSeconds: this.durationSeconds, acquireTime, renewTime: now },
    };
  }

  async acquire(): Promise<void> {
    const now = new Date();
    let live: Lease | undefined;
    try {
      live = (await this.client.request<Lease>('GET', `${this.path}/${this.name}`)).body;
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    }
    try {
      if (!live) {
        this.lease = (await this.client.request<Lease>('POST', this.path, { body: this.body(microTime(now)) })).body;
      } else if (live.spec.holderIdentity === this.holder || leaseExpired(live, now)) {
        this.lease = (await this.client.request<Lease>('PUT', `${this.path}/${this.name}`, { body: this.body(microTime(now), live.metadata.resourceVersion) })).body;
      } else {
        throw this.held(live);
      }
    } catch (error) {
      // Someone else created or renewed it between our read and write.
      if (error instanceof KubeApiError && error.status === 409) {
        const winner = (await this.client.request<Lease>('GET', `${this.path}/${this.name}`)).body;
        throw this.held(winner);
      }
      throw error;
    }
    this.timer = setInterval(() => void this.renew().catch(() => undefined), (this.durationSeconds * 1000) / 3);
    this.timer.unref();
  }

  private held(lease: Lease): PreconditionError {
    return new PreconditionError(
      `another rollout of route ${this.name} is running: lease ${this.namespace}/${this.name} is held by ${lease.spec.holderIdentity ?? 'unknown'} (renewed ${lease.spec.renewTime ?? 'never'}, expires after ${lease.spec.leaseDurationSeconds ?? '?'}s without renewal)`,
      { hint: 'wait for it to finish; a crashed holder\'s lease expires by itself' },
    );
  }

  async renew(): Promise<void> {
    if (!this.lease) return;
    this.lease = (await this.client.request<Lease>('PUT', `${this.path}/${this.name}`, {
      body: this.body(this.lease.spec.acquireTime ?? microTime(new Date()), this.lease.metadata.resourceVersion),
    })).body;
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (!this.lease) return;
    await this.client
      .request('DELETE', `${this.path}/${this.name}`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: this.lease.metadata.resourceVersion } } })
      .catch(() => undefined);
    this.lease = undefined;
  }
}
