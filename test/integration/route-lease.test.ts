// The route's lease against the real API server: one holder at a time, and a holder that
// loses it (taken over, deleted) learns so before its next change and from its signal.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../pipelines/adapters/kube.js';
import { PreconditionError } from '../../pipelines/errors.js';
import { LeaseLostError, RouteLock } from '../../pipelines/rollout/lease.js';
import { paths } from '../../pipelines/stack/layout.js';

const client = KubeClient.load(paths.kubeconfig());
const leases = '/apis/coordination.k8s.io/v1/namespaces/default/leases';
const names: string[] = [];
const leaseName = () => {
  const name = `shipline-lease-${randomBytes(3).toString('hex')}`;
  names.push(name);
  return name;
};

async function steal(name: string, holder: string): Promise<void> {
  await client.request('DELETE', `${leases}/${name}`);
  const now = new Date().toISOString().replace('Z', '000Z');
  await client.request('POST', leases, { body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { holderIdentity: holder, leaseDurationSeconds: 60, acquireTime: now, renewTime: now } } });
}

afterAll(async () => {
  for (const name of names) await client.request('DELETE', `${leases}/${name}`).catch(() => undefined);
});

describe('route lease', () => {
  it('two holders at once: exactly one acquires; the other is told who holds it', async () => {
    const name = leaseName();
    const [a, b] = [new RouteLock(client, name, 'default', 5, 'a@test/1'), new RouteLock(client, name, 'default', 5, 'b@test/2')];
    const results = await Promise.allSettled([a.acquire(), b.acquire()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(PreconditionError);
    expect((refused.reason as Error).message).toMatch(/is held by (a@test\/1|b@test\/2)/);
    await a.release();
    await b.release();
  });

  it('confirm before a change renews it, and keeps working across many renewals (no self-conflict with the timer)', async () => {
    const name = leaseName();
    const lock = new RouteLock(client, name, 'default', 3, 'me@test/1');
    await lock.acquire();
    for (let i = 0; i < 12; i++) {
      await lock.confirm();
      await sleep(250);
    }
    expect(lock.signal.aborted).toBe(false);
    await lock.release();
  });

  it('taken over by another holder: the signal aborts within a renewal period, confirm throws naming the new holder (exit 3)', async () => {
    const name = leaseName();
    const lock = new RouteLock(client, name, 'default', 3, 'me@test/1');
    await lock.acquire();
    await steal(name, 'thief@elsewhere/9');
    const stolenAt = Date.now();
    while (!lock.signal.aborted) {
      if (Date.now() - stolenAt > 3_000) throw new Error('the lock never noticed');
      await sleep(50);
    }
    const error = await lock.confirm().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseLostError);
    expect((error as LeaseLostError).exitCode).toBe(3);
    expect((error as Error).message).toBe(`lost the lease default/${name}: it is now held by thief@elsewhere/9; the rollout stopped and changes nothing more`);
    await lock.release();
    // release leaves the new holder's lease alone
    const live = await client.request<{ spec: { holderIdentity: string } }>('GET', `${leases}/${name}`);
    expect(live.body.spec.holderIdentity).toBe('thief@elsewhere/9');
  });

  it('deleted (and not re-created): the holder\'s next renewal writes it back, so a newcomer is still refused', async () => {
    const name = leaseName();
    const lock = new RouteLock(client, name, 'default', 30, 'me@test/1');
    await lock.acquire();
    await client.request('DELETE', `${leases}/${name}`);
    await lock.confirm();
    const newcomer = await new RouteLock(client, name, 'default', 30, 'late@test/2').acquire().catch((e: unknown) => e);
    expect((newcomer as Error).message).toContain('is held by me@test/1');
    await lock.release();
  });
});
