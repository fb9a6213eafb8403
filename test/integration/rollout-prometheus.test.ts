// The Prometheus gate with the stack's real Prometheus scraping the sample service's
// versions at their pod addresses: a healthy query lets the canary through, a breached one
// aborts it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../pipelines/adapters/kube.js';
import { ExternalError } from '../../pipelines/errors.js';
import { rolloutContext } from '../../pipelines/rollout/context.js';
import { startRollout } from '../../pipelines/rollout/run.js';
import { rolloutStatus } from '../../pipelines/rollout/status.js';
import { paths } from '../../pipelines/stack/layout.js';
import { prometheusUrl } from '../../pipelines/stack/parts/prometheus.js';
import { podTargets } from '../support/pod-targets.js';
import { installRoutingCrds } from '../support/routing-crds.js';
import { rolloutFixture } from '../../scripts/bench/fixtures/rollout-fixture.js';

const client = KubeClient.load(paths.kubeconfig());
const fixture = rolloutFixture({ steps: [50, 100], pause: '4s' });
let targets: { stop: () => void } | undefined;
const images: Record<string, string> = {};

function withGate(query: string, bounds: { min?: number; max?: number }) {
  const loaded = fixture.loaded();
  (loaded.raw.rollout as Record<string, unknown>).gates = { prometheus: { url: prometheusUrl, query, ...bounds } };
  return rolloutContext(loaded, { kubeconfig: paths.kubeconfig() });
}

beforeAll(async () => {
  await installRoutingCrds(client);
  // Prometheus scrapes every pod of this route's service at its pod address.
  targets = podTargets(client, fixture.name, { route: fixture.id });
  for (const v of ['v1', 'v2', 'v3']) images[v] = await fixture.image(v);
  await startRollout(await withGate('vector(1)', { min: 1 }), { strategy: 'canary', image: images.v1!, subset: 'v1' });
});

afterAll(async () => {
  targets?.stop();
  await fixture.cleanup(client);
});

describe('Prometheus gate', () => {
  it('lets the canary through while the new version is up and scraped', async () => {
    const ctx = await withGate(`max(up{route="${fixture.id}",version="v2"})`, { min: 1 });
    const summary = await startRollout(ctx, { strategy: 'canary', image: images.v2!, subset: 'v2' });
    expect(summary).toMatchObject({ subset: 'v2', state: 'promoted', steps: ['canary 50% v2', 'canary 100% v2'] });
  });

  it('aborts the canary when the query breaches its threshold, leaving traffic on the stable version', async () => {
    const ctx = await withGate(`max(link_build_info{route="${fixture.id}",version="v3"})`, { max: 0 });
    const error = await startRollout(ctx, { strategy: 'canary', image: images.v3!, subset: 'v3' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalError);
    expect((error as Error).message).toMatch(/aborted at "canary 50% v3": prometheus .*value 1, must be <= 0/);
    const status = await rolloutStatus(ctx);
    expect(status.weights).toEqual([{ rule: 0, destination: 'v2', weight: 100 }]);
    expect(status.current).toMatchObject({ subset: 'v3', state: 'aborted' });
  });
});
