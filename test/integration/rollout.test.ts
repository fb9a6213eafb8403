// Rollouts against the real cluster of the stack: versions derived from the sample
// manifest that become available on its node's pod network, routes shifted step by step,
// the HTTP gate on pod addresses, the lease, history, promote/abort/rollback.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../pipelines/adapters/kube.js';
import { ExternalError, PreconditionError } from '../../pipelines/errors.js';
import { rolloutContext } from '../../pipelines/rollout/context.js';
import { abortRollout, promoteRollout, rollbackRollout, startRollout } from '../../pipelines/rollout/run.js';
import { rolloutStatus } from '../../pipelines/rollout/status.js';
import { paths } from '../../pipelines/stack/layout.js';
import { installRoutingCrds } from '../support/routing-crds.js';
import { rolloutFixture, versionPods } from '../../scripts/bench/fixtures/rollout-fixture.js';

const client = KubeClient.load(paths.kubeconfig());
const fixture = rolloutFixture({ steps: [25, 100], autoPromote: false, gates: { http: { path: '/cgi-bin/healthz', timeout: '3s' } } });
const ctx = () => rolloutContext(fixture.loaded(), { kubeconfig: paths.kubeconfig() });
const images: Record<string, string> = {};

async function route(): Promise<KubeObject & { spec: { http: Record<string, unknown>[] } }> {
  const vs = await client.get<KubeObject & { spec: { http: Record<string, unknown>[] } }>({
    apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: `link-${fixture.id}`, namespace: 'default' },
  });
  return vs!;
}

async function replicas(subset: string): Promise<number | undefined> {
  const d = await client.get<KubeObject & { spec: { replicas: number } }>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `link-${fixture.id}-${subset}`, namespace: 'default' } });
  return d?.spec.replicas;
}

/** What each ready pod of a version answers on /cgi-bin/version, at its own pod address. */
async function versionOf(subset: string): Promise<string[]> {
  const pods = await versionPods(client, fixture.name, subset);
  return Promise.all(pods.map(async (base) => ((await (await fetch(`${base}/cgi-bin/version`)).json()) as { version: string }).version));
}

afterAll(async () => {
  await fixture.cleanup(client);
});

beforeAll(async () => {
  await installRoutingCrds(client);
  for (const v of ['v1', 'v2', 'v3']) images[v] = await fixture.image(v);
});

describe('rollout', () => {
  it('first release: deploys v1, waits until available, routes 100% to it and records it', async () => {
    const summary = await startRollout(await ctx(), { strategy: 'canary', image: images.v1!, subset: 'v1' });
    expect(summary).toMatchObject({ revision: 1, subset: 'v1', state: 'promoted' });
    const http = (await route()).spec.http;
    expect(http).toHaveLength(1);
    expect(http[0]!.route).toEqual([{ destination: { host: `link-${fixture.id}`, subset: 'v1', port: { number: 8080 } } }]);
    expect(await versionOf('v1')).toEqual(['v1']);
  });

  it('canary: moves weight through the steps with the HTTP gate passing, then promote scales v1 down', async () => {
    const summary = await startRollout(await ctx(), { strategy: 'canary', image: images.v2!, subset: 'v2' });
    expect(summary).toMatchObject({ revision: 2, subset: 'v2', previous: 'v1', state: 'progressing', steps: ['canary 25% v2', 'canary 100% v2'] });
    const status = await rolloutStatus(await ctx());
    expect(status.current).toMatchObject({ subset: 'v2', state: 'progressing', stepLabel: 'canary 100% v2' });
    expect(status.weights).toEqual([{ rule: 0, destination: 'v2', weight: 100 }]);
    expect(await versionOf('v2')).toEqual(['v2']);

    await promoteRollout(await ctx());
    expect(await replicas('v1')).toBe(0);
    expect((await rolloutStatus(await ctx())).stable).toBe('v2');
  });

  it('one rollout at a time: a held lease stops a second rollout (exit 3) naming the holder, and expires', async () => {
    // Another process took the lease and then crashed: it never renews or releases it.
    const now = new Date().toISOString().replace('Z', '000Z');
    await client.request('POST', '/apis/coordination.k8s.io/v1/namespaces/default/leases', {
      body: {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: `shipline-link-${fixture.id}` },
        spec: { holderIdentity: 'someone@elsewhere/1', leaseDurationSeconds: 3, acquireTime: now, renewTime: now },
      },
    });
    const error = await startRollout(await ctx(), { strategy: 'mirror', image: images.v3!, subset: 'v3' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionError);
    expect((error as Error).message).toContain('held by someone@elsewhere/1');
    await sleep(3500);
    const summary = await startRollout(await ctx(), { strategy: 'mirror', image: images.v3!, subset: 'v3' });
    expect(summary.state).toBe('progressing');
    const http = (await route()).spec.http;
    expect(http.at(-1)).toMatchObject({ mirror: { subset: 'v3' }, mirrorPercentage: { value: 50 } });
    expect(http.at(-1)!.route).toEqual([{ destination: { host: `link-${fixture.id}`, subset: 'v2', port: { number: 8080 } } }]);
  });

  it('abort: back to the previous split, the new version scaled down', async () => {
    await abortRollout(await ctx());
    const http = (await route()).spec.http;
    expect(http).toHaveLength(1);
    expect(http[0]!.mirror).toBeUndefined();
    expect(http[0]!.route).toEqual([{ destination: { host: `link-${fixture.id}`, subset: 'v2', port: { number: 8080 } } }]);
    expect(await replicas('v3')).toBe(0);
  });

  it('header and subset strategies route the matching requests to the new version', async () => {
    await startRollout(await ctx(), { strategy: 'header', image: images.v3!, subset: 'v3' });
    let http = (await route()).spec.http;
    expect(http[0]).toMatchObject({ match: [{ headers: { user: { exact: 'premium-user' } } }], route: [{ destination: { subset: 'v3' } }] });
    expect(http[1]).toMatchObject({ route: [{ destination: { subset: 'v2' } }] });
    await abortRollout(await ctx());
    await startRollout(await ctx(), { strategy: 'subset', image: images.v3!, subset: 'v3' });
    http = (await route()).spec.http;
    expect(http[0]).toMatchObject({ match: [{ headers: { version: { exact: 'v3' } } }], route: [{ destination: { subset: 'v3' } }] });
    const dr = await client.get<KubeObject & { spec: { subsets: { name: string; labels: Record<string, string> }[] } }>({
      apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: `link-${fixture.id}`, namespace: 'default' },
    });
    expect(dr!.spec.subsets).toEqual(expect.arrayContaining([{ name: 'v2', labels: { version: 'v2' } }, { name: 'v3', labels: { version: 'v3' } }]));
    await abortRollout(await ctx());
  });

  it('a failing gate aborts automatically: traffic back on the stable version', async () => {
    const failing = rolloutFixture({ steps: [50, 100], gates: { http: { path: '/missing', timeout: '2s' } } });
    // Same route as the main fixture, with a gate that fails.
    const loaded = fixture.loaded();
    loaded.raw.rollout = failing.loaded().raw.rollout;
    const error = await startRollout(await rolloutContext(loaded, { kubeconfig: paths.kubeconfig() }), { strategy: 'canary', image: images.v3!, subset: 'v3' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalError);
    expect((error as Error).message).toContain('aborted at "canary 50% v3"');
    expect((error as Error).message).toContain('HTTP 404');
    const status = await rolloutStatus(await ctx());
    expect(status.weights).toEqual([{ rule: 0, destination: 'v2', weight: 100 }]);
    expect(status.current).toMatchObject({ subset: 'v3', state: 'aborted' });
  });

  it('rollback: restores the release before the stable one from the history', async () => {
    const summary = await rollbackRollout(await ctx());
    expect(summary).toMatchObject({ subset: 'v1', previous: 'v2', state: 'promoted' });
    expect(await replicas('v1')).toBe(1);
    expect(await replicas('v2')).toBe(0);
    expect((await route()).spec.http[0]!.route).toEqual([{ destination: { host: `link-${fixture.id}`, subset: 'v1', port: { number: 8080 } } }]);
    expect(await versionOf('v1')).toEqual(['v1']);
  });
});
