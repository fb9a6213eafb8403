// Rollouts judged by real traffic: requests sent through the stack's data plane
// (Traefik, routing by the HTTPRoutes the rollout applies), at least 500 per observation,
// each answer naming the version that served it.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../pipelines/adapters/kube.js';
import { PreconditionError } from '../../pipelines/errors.js';
import { rolloutContext } from '../../pipelines/rollout/context.js';
import { abortRollout, startRollout } from '../../pipelines/rollout/run.js';
import { dataPlane, paths } from '../../pipelines/stack/layout.js';
import { rolloutFixture } from '../../scripts/bench/fixtures/rollout-fixture.js';
import { send, shares, type Answer } from '../../scripts/bench/fixtures/traffic.js';
import { run } from '../../pipelines/adapters/process.js';
import { renderRouting } from '../../manifests/render.js';
import { parseRouting } from '../../manifests/intent.js';
import { applyObjects } from '../../pipelines/cluster/apply.js';
import { routeAcceptance, type RouteObject } from '../../pipelines/rollout/route-acceptance.js';
import { baseImageRef } from '../../pipelines/stack/layout.js';
import { randomBytes } from 'node:crypto';

const client = KubeClient.load(paths.kubeconfig());
const gateway = `${dataPlane.gatewayNamespace}/${dataPlane.gateway}`;
/** Gateway API conformance tolerances: 5 points for weights, 15 for mirror percentages. */
const weightTolerance = 5;
const mirrorTolerance = 15;

/** Each step's sample, with when the step's route change was accepted and when the sample ended. */
const observed: { label: string; answers: Answer[]; acceptedAt: number; endedAt: number }[] = [];

function fixtureFor(rollout: Record<string, unknown>) {
  const f = rolloutFixture({ pause: '20s', autoPromote: true, ...rollout }, { routing: { gateways: [gateway], api: 'gateway-api' }, ownHost: true });
  return { ...f, host: `${f.name}.example.com` };
}

const canary = fixtureFor({ steps: [20, 50, 100] });
const images: Record<string, string> = {};

async function route(name: string): Promise<KubeObject & { spec: { rules: Record<string, unknown>[] } }> {
  return (await client.get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace: 'default' } }))!;
}

/**
 * A rollout context whose log starts an observation of 500 requests each time a route
 * change is accepted (the step's pause is long enough for it to finish inside it).
 */
async function observingContext(fixture: ReturnType<typeof fixtureFor>, pending: Promise<void>[]) {
  return rolloutContext(fixture.loaded(), {
    kubeconfig: paths.kubeconfig(),
    log: (line) => {
      const step = /^route \S+: (.+) \(accepted in \d+ ms\)$/.exec(line)?.[1];
      if (!step) return;
      const acceptedAt = Date.now();
      pending.push((async () => {
        await sleep(1000);
        const answers = await send(500, { host: fixture.host });
        observed.push({ label: step, answers, acceptedAt, endedAt: Date.now() });
      })());
    },
  });
}

function expectShare(answers: Answer[], expected: Record<string, number>, tolerance: number) {
  const got = shares(answers);
  expect(answers).toHaveLength(500);
  for (const [version, percent] of Object.entries(expected)) {
    expect(Math.abs((got[version] ?? 0) - percent), `${version}: expected ${percent}%, got ${JSON.stringify(got)}`).toBeLessThanOrEqual(tolerance);
  }
  // Nothing but the expected versions answered: no 5xx, no connection errors.
  expect(Object.keys(got).sort(), JSON.stringify(got)).toEqual(Object.keys(expected).filter((v) => expected[v]! > 0).sort());
}

beforeAll(async () => {
  for (const v of ['v1', 'v2', 'v3']) images[v] = await canary.image(v);
}, 600_000);

afterAll(async () => {
  if (!process.env.KEEP_TRAFFIC_TEST) await canary.cleanup(client);
});

describe('canary through the data plane', () => {
  it('first release: every request reaches v1', async () => {
    const pending: Promise<void>[] = [];
    const summary = await startRollout(await observingContext(canary, pending), { strategy: 'canary', image: images.v1!, subset: 'v1' });
    expect(summary).toMatchObject({ state: 'promoted', subset: 'v1' });
    await Promise.all(pending);
    expectShare(await send(500, { host: canary.host }), { v1: 100 }, 0);
  });

  it('each canary step: each version answers its weight within 5 points; after promotion 100 % reach v2', async () => {
    const pending: Promise<void>[] = [];
    observed.length = 0;
    const summary = await startRollout(await observingContext(canary, pending), { strategy: 'canary', image: images.v2!, subset: 'v2' });
    await Promise.all(pending);
    expect(summary).toMatchObject({ state: 'promoted', subset: 'v2', steps: ['canary 20% v2', 'canary 50% v2', 'canary 100% v2'] });
    const byStep = Object.fromEntries(observed.map((o) => [o.label, o.answers]));
    // A sample judges one split only if it ended before the next route change.
    const inOrder = [...observed].sort((a, b) => a.acceptedAt - b.acceptedAt);
    for (const [i, o] of inOrder.entries()) {
      if (!['canary 20% v2', 'canary 50% v2'].includes(o.label)) continue;
      const next = inOrder[i + 1];
      expect(next, `no route change observed after "${o.label}"`).toBeDefined();
      expect(o.endedAt, `the sample of "${o.label}" ran into the next step: the pause is too short for 500 requests here`).toBeLessThan(next!.acceptedAt);
    }
    expectShare(byStep['canary 20% v2']!, { v1: 80, v2: 20 }, weightTolerance);
    expectShare(byStep['canary 50% v2']!, { v1: 50, v2: 50 }, weightTolerance);
    expectShare(byStep['canary 100% v2']!, { v2: 100 }, 0);
    expectShare(await send(500, { host: canary.host }), { v2: 100 }, 0);
    const rules = (await route(canary.name)).spec.rules;
    expect(rules.at(-1)!.backendRefs).toEqual([expect.objectContaining({ name: `${canary.name}-v2`, port: 8080 })]);
  });

  it('header strategy: every request with the header reaches the new version, every one without the stable one', async () => {
    const ctx = await rolloutContext(canary.loaded(), { kubeconfig: paths.kubeconfig() });
    ctx.rollout.header = { name: 'user', value: 'premium-user' };
    ctx.rollout.pause = '0s';
    const summary = await startRollout(ctx, { strategy: 'header', image: images.v3!, subset: 'v3' });
    expect(summary).toMatchObject({ state: 'progressing', subset: 'v3' });
    await sleep(1000);
    expectShare(await send(500, { host: canary.host, headers: { user: 'premium-user' } }), { v3: 100 }, 0);
    expectShare(await send(500, { host: canary.host }), { v2: 100 }, 0);
    expectShare(await send(500, { host: canary.host, headers: { user: 'someone-else' } }), { v2: 100 }, 0);
    await abortRollout(await rolloutContext(canary.loaded(), { kubeconfig: paths.kubeconfig() }));
    await sleep(1000);
    expectShare(await send(500, { host: canary.host, headers: { user: 'premium-user' } }), { v2: 100 }, 0);
  });
});

describe('a version built to fail its users', () => {
  it('is aborted by the successRate gate at its first step; no request is lost beyond those it answered', async () => {
    const bad = await canary.image('v4', { FAIL_PERCENT: '30' });
    const ctx = await rolloutContext(canary.loaded(), { kubeconfig: paths.kubeconfig() });
    Object.assign(ctx.rollout, {
      steps: [20, 100],
      pause: '12s',
      load: { url: 'http://127.0.0.1:18000/cgi-bin/version', rate: 40, connections: 4, headers: { host: canary.host }, method: 'GET', timeout: '10s' },
      gates: { successRate: { min: 95, minRequests: 10, window: '10s', interval: '3s', failureLimit: 2, prometheusUrl: 'http://127.0.0.1:9090', timeout: '5s' } },
    });
    // Users' traffic all along, from before the rollout until after the abort.
    let sending = true;
    const users: Answer[] = [];
    const traffic = (async () => {
      while (sending) users.push(...(await send(50, { host: canary.host, concurrency: 4 })));
    })();
    const outcome = await startRollout(ctx, { strategy: 'canary', image: bad, subset: 'v4' }).catch((e: unknown) => e as Error);
    await sleep(2000);
    sending = false;
    await traffic;
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toMatch(/aborted at "canary 20% v4": successRate v4/);
    // Every answer is a success of either version, or a 500 the bad version itself gave.
    const lost = users.filter((a) => !(a.status === 200 || (a.status === 500 && a.version === 'v4')));
    expect(lost, JSON.stringify(lost.slice(0, 5))).toEqual([]);
    expect(users.filter((a) => a.status === 500).length).toBeGreaterThan(0);
    expectShare(await send(500, { host: canary.host }), { v2: 100 }, 0);
  });
});

describe('mirroring on an implementation without the standard filter', () => {
  it('refuses the standard RequestMirror filter with exit 3 before anything changes', async () => {
    const before = await route(canary.name);
    const ctx = await rolloutContext(canary.loaded(), { kubeconfig: paths.kubeconfig() });
    const refusal = await startRollout(ctx, { strategy: 'mirror', image: images.v1!, subset: 'v1m' }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(PreconditionError);
    expect((refusal as Error).message).toMatch(/does not support HTTPRouteRequestMirror/);
    const after = await route(canary.name);
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `${canary.name}-v1m`, namespace: 'default' } })).toBeUndefined();
  });

  it("with Traefik's own mirroring allowed: the stable version answers every request, the new one receives its copies", async () => {
    const ctx = await rolloutContext(canary.loaded(), { kubeconfig: paths.kubeconfig() });
    ctx.rollout.implementationSpecific = true;
    ctx.rollout.mirrorPercent = 50;
    ctx.rollout.pause = '0s';
    const summary = await startRollout(ctx, { strategy: 'mirror', image: images.v3!, subset: 'v3' });
    expect(summary).toMatchObject({ state: 'progressing', steps: ['mirror 50% to v3'] });
    await sleep(1000);
    const before = await requestsCounted(canary.name, 'v3');
    const answers = await send(500, { host: canary.host, concurrency: 4 });
    expectShare(answers, { v2: 100 }, 0);
    await sleep(2000);
    const after = await requestsCounted(canary.name, 'v3');
    const copies = [...after].reduce((sum, [pod, n]) => sum + n - (before.get(pod) ?? 0), 0);
    expect(Math.abs((copies / 500) * 100 - 50), `${copies} copies of 500 requests (before ${JSON.stringify([...before])}, after ${JSON.stringify([...after])})`).toBeLessThanOrEqual(mirrorTolerance);
    await abortRollout(await rolloutContext(canary.loaded(), { kubeconfig: paths.kubeconfig() }));
  });
});

/** The sample service's own count of /cgi-bin/version requests, per running pod of a version. */
async function requestsCounted(name: string, subset: string): Promise<Map<string, number>> {
  const pods = await client.request<{ items: { metadata: { name: string; deletionTimestamp?: string } }[] }>('GET', '/api/v1/namespaces/default/pods', {
    query: { labelSelector: `app=${name},version=${subset}` },
  });
  const counts = new Map<string, number>();
  for (const pod of pods.body.items.filter((p) => !p.metadata.deletionTimestamp)) {
    const out = await run([paths.kubeNodeTool('kubectl'), `--kubeconfig=${paths.kubeconfig()}`, '-n', 'default', 'exec', pod.metadata.name, '--',
      'cat', '/var/lib/link/requests'], { nothrow: true, timeoutMs: 20_000 });
    counts.set(pod.metadata.name, Number(out.stdout.trim() || 0));
  }
  return counts;
}

describe("path routing (the notes' pattern 1) through the data plane", () => {
  const id = randomBytes(3).toString('hex');
  const names = [`service1-${id}`, `service2-${id}`];
  const host = `paths-${id}.example.com`;

  /** busybox httpd answering its own name under /service1/ and /service2/ alike. */
  function backend(name: string): KubeObject[] {
    const labels = { app: name };
    return [
      {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' },
        spec: {
          replicas: 1, selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              terminationGracePeriodSeconds: 1,
              containers: [{
                name: 'httpd', image: baseImageRef,
                command: ['sh', '-c', `for d in service1 service2; do mkdir -p /www/$d && echo ${name} > /www/$d/index.html; done; exec httpd -f -p 8080 -h /www`],
                ports: [{ containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/service1/', port: 8080 }, periodSeconds: 1 },
              }],
            },
          },
        },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } },
    ];
  }

  afterAll(async () => {
    for (const name of names) {
      await client.delete({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' } });
      await client.delete({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' } });
    }
    await client.delete({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: `paths-${id}`, namespace: 'default' } });
  });

  it('sends each prefix to its service', async () => {
    const intent = parseRouting({
      name: `paths-${id}`, hosts: [host], gateways: [gateway],
      rules: [
        { match: { path: { prefix: '/service1' } }, to: [{ service: names[0], port: 80 }] },
        { match: { path: { prefix: '/service2' } }, to: [{ service: names[1], port: 80 }] },
      ],
    }, 'pattern-1.yaml');
    const objects = [...backend(names[0]!), ...backend(names[1]!), ...renderRouting(intent, { api: 'gateway-api', istioVersion: 'v1', file: 'pattern-1.yaml' })];
    await applyObjects(client, objects.map((object, i) => ({ object, file: 'pattern-1.yaml', doc: i + 1 })), { fieldManager: 'shipline-traffic-test', namespace: 'default' });
    const deadline = Date.now() + 180_000;
    for (;;) {
      const ready = await Promise.all(names.map(async (name) => (await client.get<KubeObject & { status?: { readyReplicas?: number } }>(
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' } }))?.status?.readyReplicas === 1));
      const live = await client.get<RouteObject>({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: `paths-${id}`, namespace: 'default' } });
      if (ready.every(Boolean) && live && routeAcceptance(live).state === 'accepted') break;
      if (Date.now() > deadline) throw new Error(`backends or route not ready: ${JSON.stringify(ready)} ${JSON.stringify(live?.status)}`);
      await sleep(500);
    }
    await sleep(1000);
    expectShare(await send(500, { host, path: '/service1/' }), { [names[0]!]: 100 }, 0);
    expectShare(await send(500, { host, path: '/service2/' }), { [names[1]!]: 100 }, 0);
    const elsewhere = await send(20, { host, path: '/service3/' });
    expect(new Set(elsewhere.map((a) => a.status))).toEqual(new Set([404]));
  });
});
