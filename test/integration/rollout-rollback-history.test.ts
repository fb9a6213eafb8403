// rollback re-applies what the earlier release recorded in its history ConfigMap, not a
// new rendering of today's config: a config changed since (here the route's hosts) does
// not leak into the rolled-back route.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../pipelines/adapters/kube.js';
import { rolloutContext } from '../../pipelines/rollout/context.js';
import { promoteRollout, rollbackRollout, startRollout } from '../../pipelines/rollout/run.js';
import { paths } from '../../pipelines/stack/layout.js';
import { installRoutingCrds } from '../support/routing-crds.js';
import { rolloutFixture } from '../../scripts/bench/fixtures/rollout-fixture.js';

const client = KubeClient.load(paths.kubeconfig());
const fixture = rolloutFixture({ steps: [100], autoPromote: false });
const ctx = () => rolloutContext(fixture.loaded(), { kubeconfig: paths.kubeconfig() });

async function hosts(): Promise<string[]> {
  const vs = await client.get<KubeObject & { spec: { hosts: string[] } }>({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: `link-${fixture.id}`, namespace: 'default' } });
  return vs!.spec.hosts;
}

beforeAll(async () => {
  await installRoutingCrds(client);
});
afterAll(async () => {
  await fixture.cleanup(client);
});

describe('rollback from the release history', () => {
  it('re-applies the manifests v1 recorded, not the current config rendered for v1', async () => {
    const [v1, v2] = [await fixture.image('v1'), await fixture.image('v2')];
    await startRollout(await ctx(), { strategy: 'canary', image: v1, subset: 'v1' });
    expect(await hosts()).toEqual(['link.example.com']);
    // The config changes after v1 was released.
    writeFileSync(fixture.configFile, readFileSync(fixture.configFile, 'utf8').replace('link.example.com', 'changed.example.com'));
    await startRollout(await ctx(), { strategy: 'canary', image: v2, subset: 'v2' });
    await promoteRollout(await ctx());
    expect(await hosts()).toEqual(['changed.example.com']);

    const summary = await rollbackRollout(await ctx());
    expect(summary).toMatchObject({ subset: 'v1', previous: 'v2', state: 'promoted' });
    expect(await hosts()).toEqual(['link.example.com']);
  });
});
