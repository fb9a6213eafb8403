// One rollout per route at a time: a coordination.k8s.io/v1 Lease as the lock, renewed
// while the rollout runs, free for the taking once its holder stops renewing. A rollout
// confirms the lease (renews it) right before every change; a lease that was taken over,
// deleted, or could not be renewed stops the rollout before its next change.
import { hostname } from 'node:os';
import { KubeApiError, type KubeClient } from '../adapters/kube.js';
import { ExitCode, ExternalError, PreconditionError, ShiplineError } from '../errors.js';

/**
 * The rollout no longer holds its route's lease: it must change nothing more. Exit 3 when
 * another holder took it or it was deleted; exit 1 when the cluster failed to renew it.
 */
export class LeaseLostError extends ShiplineError {
  constructor(
    message: string,
    options: { hint?: string; cause?: unknown },
    readonly exitCode: ExitCode = ExitCode.precondition,
  ) {
    super(message, options);
  }
}

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
  private lost?: LeaseLostError;
  private renewedAt = 0;
  private readonly lostController = new AbortController();

  constructor(
    private readonly client: KubeClient,
    readonly name: string,
    readonly namespace: string,
    private readonly durationSeconds: number,
    readonly holder = holderIdentity(),
  ) {}

  /** Aborted as soon as the lease is known to be lost (for waits between steps). */
  get signal(): AbortSignal {
    return this.lostController.signal;
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.namespace}/leases`;
  }

  /** A request to the lease may take a third of its duration at most: renewals must not hang. */
  private get timeoutMs(): number {
    return Math.max(1000, (this.durationSeconds * 1000) / 3);
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
    this.renewedAt = Date.now();
    this.timer = setInterval(() => void this.renew().catch(() => undefined), (this.durationSeconds * 1000) / 3);
    this.timer.unref();
  }

  private held(lease: Lease): PreconditionError {
    return new PreconditionError(
      `another rollout of route ${this.name} is running: lease ${this.namespace}/${this.name} is held by ${lease.spec.holderIdentity ?? 'unknown'} (renewed ${lease.spec.renewTime ?? 'never'}, expires after ${lease.spec.leaseDurationSeconds ?? '?'}s without renewal)`,
      { hint: 'wait for it to finish; a crashed holder\'s lease expires by itself' },
    );
  }

  private markLost(why: string, exitCode: ExitCode = ExitCode.precondition): LeaseLostError {
    this.lost ??= new LeaseLostError(`lost the lease ${this.namespace}/${this.name}: ${why}; the rollout stopped and changes nothing more`, {
      hint: 'the route keeps the last split that was fully applied (`shipline rollout status`); re-run the same rollout to resume it once the other holder is done',
    }, exitCode);
    if (this.timer) clearInterval(this.timer);
    this.lease = undefined;
    this.lostController.abort(this.lost);
    return this.lost;
  }

  /** Renews the lease now; throws LeaseLostError when it was taken, deleted, or could not be renewed in time. */
  renew(): Promise<void> {
    // One renewal at a time: two PUTs with the same resourceVersion would conflict with each other.
    const next = this.renewing.catch(() => undefined).then(() => this.renewOnce());
    this.renewing = next;
    return next;
  }

  private renewing: Promise<void> = Promise.resolve();

  private async renewOnce(): Promise<void> {
    if (this.lost) throw this.lost;
    if (!this.lease) return;
    try {
      this.lease = (await this.client.request<Lease>('PUT', `${this.path}/${this.name}`, {
        body: this.body(this.lease.spec.acquireTime ?? microTime(new Date()), this.lease.metadata.resourceVersion),
        timeoutMs: this.timeoutMs,
      })).body;
      this.renewedAt = Date.now();
    } catch (error) {
      if (this.lost) throw this.lost;
      if (error instanceof KubeApiError && (error.status === 409 || error.status === 404)) {
        const now = await this.client.request<Lease>('GET', `${this.path}/${this.name}`, { timeoutMs: this.timeoutMs }).then(
          (res) => res.body,
          () => undefined,
        );
        const holder = now?.spec.holderIdentity;
        if (now && holder === this.holder && this.lease) {
          // Still ours (a write of ours that timed out may have landed): carry on from it.
          this.lease = now;
          return this.renewOnce();
        }
        throw this.markLost(
          holder && holder !== this.holder
            ? `it is now held by ${holder}`
            : error.status === 404 ? 'it was deleted by someone else' : 'it was changed by someone else',
        );
      }
      // Not renewed for a whole lease duration: another rollout may take it now.
      if (Date.now() - this.renewedAt >= this.durationSeconds * 1000) {
        throw this.markLost(`not renewed for ${this.durationSeconds}s (${(error as Error).message})`, ExitCode.external);
      }
      throw new ExternalError(`cannot renew the lease ${this.namespace}/${this.name}: ${(error as Error).message}`, {
        cause: error,
        hint: 'the rollout stopped before its next change; re-run it to resume once the cluster answers',
      });
    }
  }

  /** Before every change: the lease is still ours, renewed just now. */
  async confirm(): Promise<void> {
    await this.renew();
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    // A renewal still in flight would change the resourceVersion the delete is conditioned on.
    await this.renewing.catch(() => undefined);
    if (!this.lease || this.lost) return;
    await this.client
      .request('DELETE', `${this.path}/${this.name}`, {
        body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: this.lease.metadata.resourceVersion } },
        timeoutMs: this.timeoutMs,
      })
      .catch(() => undefined);
    this.lease = undefined;
  }
}
