// The first release on a setup shipline did not make: a Deployment, Service and HTTPRoute a
// user applied with kubectl (client-side, then server-side apply) on the stack's Gateway,
// taken over by the first `rollout canary` while a client sends requests through the Gateway
// (Traefik on 127.0.0.1) the whole time; a first route change the API server refuses,
// undone and named; routes no implementation here serves, refused before any change; and
// the bounded history of rollout.keepVersions.
//
// Tolerance: zero failed requests. Each version answers every request it gets (its pods
// stop only after the route left them, with a preStop pause), so any failure is a real loss.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeClient, type KubeObject } from '../../pipelines/adapters/kube.js';
import { run } from '../../pipelines/adapters/process.js';
import { ShiplineError } from '../../pipelines/errors.js';
import { rolloutContext } from '../../pipelines/rollout/context.js';
import { routeAcceptance, type RouteObject } from '../../pipelines/rollout/route-acceptance.js';
import { startRollout } from '../../pipelines/rollout/run.js';
import { dataPlane, paths } from '../../pipelines/stack/layout.js';
import { installRoutingCrds } from '../support/routing-crds.js';
import { rolloutFixture, sampleManifest, type RolloutFixture } from '../../scripts/bench/fixtures/rollout-fixture.js';
import { send, type Answer } from '../../scripts/bench/fixtures/traffic.js';

const client = KubeClient.load(paths.kubeconfig());
const gateway = `${dataPlane.gatewayNamespace}/${dataPlane.gateway}`;
const images: Record<string, string> = {};
type Setup = RolloutFixture & { host: string };
const fixtures: Setup[] = [];
const policies: KubeObject[] = [];

/** A route of its own on the stack's Gateway, its workload from the user's manifest. */
function userSetup(rollout: Record<string, unknown> = {}, routing: Record<string, unknown> = { gateways: [gateway] }): Setup {
  const f = rolloutFixture({ steps: [50, 100], pause: '1s', availableTimeout: '2m', ...rollout }, { routing, ownHost: true });
  const setup = { ...f, host: `${f.name}.example.com` };
  fixtures.push(setup);
  return setup;
}

const routeRef = (name: string) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace: 'default' } });

/** What the user had before shipline: the sample manifest at v0 and an HTTPRoute to its Service, applied with kubectl. */
async function kubectlApply(setup: Setup, serverSide: boolean): Promise<void> {
  const route = {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: setup.name },
    spec: { parentRefs: [{ name: dataPlane.gateway, namespace: dataPlane.gatewayNamespace }], hostnames: [setup.host], rules: [{ backendRefs: [{ name: setup.name, port: 8080 }] }] },
  };
  const file = join(setup.dir, 'original.yaml');
  writeFileSync(file, `${sampleManifest(setup.name).replace('127.0.0.1:5000/modco/link:latest', images.v0!)}---\n${stringify(route)}`);
  await run(['kubectl', '--kubeconfig', paths.kubeconfig(), 'apply', ...(serverSide ? ['--server-side'] : []), '-f', file, '-n', 'default']);
  // Serving through the Gateway: the route accepted, then 10 answers in a row from v0.
  for (let ok = 0, i = 0; ok < 10; i++) {
    if (i > 600) throw new Error(`${setup.name} never served through the Gateway`);
    const live = await client.get<RouteObject>(routeRef(setup.name));
    const accepted = live !== undefined && routeAcceptance(live).state === 'accepted';
    ok = accepted && (await send(1, { host: setup.host, concurrency: 1 }))[0]!.status === 200 ? ok + 1 : 0;
    await sleep(200);
  }
}

/** A user sending requests through the Gateway until stopped, two at a time. */
function users(host: string) {
  const answers: Answer[] = [];
  let sending = true;
  const done = (async () => {
    while (sending) {
      answers.push(...(await send(10, { host, concurrency: 2 })));
      await sleep(20);
    }
  })();
  return {
    async stop() {
      sending = false;
      await done;
      return { answers, failed: answers.filter((a) => a.status !== 200) };
    },
  };
}

async function context(setup: Setup, log: string[] = []) {
  return rolloutContext(setup.loaded(), { kubeconfig: paths.kubeconfig(), log: (line) => log.push(line) });
}

type Managed = KubeObject & { metadata: { managedFields?: { manager: string; operation: string; fieldsV1?: { 'f:spec'?: Record<string, unknown> } }[] } };

/** Managers owning a field of the route's spec (f:rules, f:parentRefs, …). */
async function ownersOf(name: string, field: string): Promise<string[]> {
  const live = await client.get<Managed>(routeRef(name));
  return (live!.metadata.managedFields ?? []).filter((m) => m.fieldsV1?.['f:spec']?.[field] !== undefined).map((m) => m.manager).sort();
}

/** The route's objects by kind/name, with what they hold (not their bookkeeping). */
async function snapshot(name: string): Promise<Record<string, unknown>> {
  const lists: [string, string][] = [
    ['Deployment', '/apis/apps/v1/namespaces/default/deployments'],
    ['Service', '/api/v1/namespaces/default/services'],
    ['ConfigMap', '/api/v1/namespaces/default/configmaps'],
    ['HTTPRoute', '/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes'],
    ['HorizontalPodAutoscaler', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers'],
  ];
  const out: Record<string, unknown> = {};
  for (const [kind, path] of lists) {
    const items = (await client.request<{ items: (KubeObject & { data?: unknown })[] }>('GET', path)).body.items;
    for (const o of items.filter((x) => x.metadata.name === name || x.metadata.name.startsWith(`${name}-`))) {
      out[`${kind}/${o.metadata.name}`] = { labels: o.metadata.labels, spec: o.spec, data: o.data };
    }
  }
  return out;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, seconds = 30): Promise<T> {
  for (let i = 0; ; i++) {
    const value = await read();
    if (done(value) || i >= seconds * 5) return value;
    await sleep(200);
  }
}

beforeAll(async () => {
  await installRoutingCrds(client);
  const builder = userSetup();
  for (const v of ['v0', 'v1']) images[v] = await builder.image(v);
}, 600_000);

afterAll(async () => {
  for (const policy of policies) await client.delete(policy).catch(() => undefined);
  for (const f of fixtures) await f.cleanup(client);
});

describe('first release on a route made with kubectl', () => {
  const setup = userSetup({ keepVersions: 2 });

  it('(client-side apply) the first canary takes the route over and ends promoted; not one request fails', async () => {
    await kubectlApply(setup, false);
    expect(await ownersOf(setup.name, 'f:rules')).toEqual(['kubectl-client-side-apply']);
    const log: string[] = [];
    const ctx = await context(setup, log);
    const traffic = users(setup.host);
    const summary = await startRollout(ctx, { strategy: 'canary', image: images.v1!, subset: 'v1' });
    await sleep(1000);
    const { answers, failed } = await traffic.stop();
    expect(summary).toMatchObject({ state: 'promoted', subset: 'v1', previous: 'adopted' });
    console.info(`takeover under traffic: ${answers.length} requests through the Gateway, ${failed.length} failed`);
    expect(failed, JSON.stringify(failed.slice(0, 5))).toEqual([]);
    expect(answers.length).toBeGreaterThan(50);
    expect(new Set(answers.map((a) => a.version))).toEqual(new Set(['v0', 'v1']));
    expect(log.join('\n')).toMatch(new RegExp(`taking over HTTPRoute default/${setup.name} \\(routing.name declares it shipline's\\): .*\\.spec\\.rules.* from "kubectl-client-side-apply"`));
    expect(await ownersOf(setup.name, 'f:rules')).toEqual(['shipline']);
    // The original is kept, at 0 replicas, for a rollback past the adoption.
    const original = await client.get<KubeObject & { spec: { replicas: number } }>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: setup.name, namespace: 'default' } });
    expect(original!.spec.replicas).toBe(0);
  });

  it('after 4 releases only rollout.keepVersions (2) versions remain; the adopted original stays', async () => {
    for (const subset of ['v2', 'v3', 'v4']) {
      const summary = await startRollout(await context(setup), { strategy: 'canary', image: images.v1!, subset });
      expect(summary).toMatchObject({ state: 'promoted', subset });
    }
    const deployments = await until(
      async () => (await client.request<{ items: KubeObject[] }>('GET', '/apis/apps/v1/namespaces/default/deployments', { query: { labelSelector: `app=${setup.name}` } })).body.items.map((d) => d.metadata.name).sort(),
      (names) => names.length === 3,
    );
    expect(deployments).toEqual([setup.name, `${setup.name}-v3`, `${setup.name}-v4`]);
    const services = (await client.request<{ items: KubeObject[] }>('GET', '/api/v1/namespaces/default/services')).body.items.map((s) => s.metadata.name).filter((n) => n.startsWith(setup.name)).sort();
    expect(services).toEqual([setup.name, `${setup.name}-v3`, `${setup.name}-v4`]);
    const answers = await send(100, { host: setup.host, concurrency: 4 });
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
  });
});

describe('first release on a route made with kubectl apply --server-side', () => {
  const setup = userSetup();

  it('takes the route over from the "kubectl" manager and ends promoted; not one request fails', async () => {
    await kubectlApply(setup, true);
    expect(await ownersOf(setup.name, 'f:rules')).toEqual(['kubectl']);
    const log: string[] = [];
    const traffic = users(setup.host);
    const summary = await startRollout(await context(setup, log), { strategy: 'canary', image: images.v1!, subset: 'v1' });
    await sleep(1000);
    const { answers, failed } = await traffic.stop();
    expect(summary).toMatchObject({ state: 'promoted', subset: 'v1', previous: 'adopted' });
    expect(failed, JSON.stringify(failed.slice(0, 5))).toEqual([]);
    expect(answers.length).toBeGreaterThan(50);
    expect(log.join('\n')).toContain(`from "kubectl"`);
    expect(await ownersOf(setup.name, 'f:rules')).toEqual(['shipline']);
  });
});

describe('a first route change the API server refuses', () => {
  const setup = userSetup();

  it('removes the adopted copy, keeps the original serving, and lists what it undid', async () => {
    await kubectlApply(setup, false);
    // A change freeze on this route: real updates are denied, dry-runs pass (as a webhook that only blocks writes).
    const policy = {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: `freeze-${setup.name}` },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: ['gateway.networking.k8s.io'], apiVersions: ['*'], operations: ['UPDATE'], resources: ['httproutes'] }] },
        matchConditions: [{ name: 'this-route', expression: `object.metadata.name == '${setup.name}'` }],
        validations: [{ expression: 'request.dryRun == true', message: 'change freeze on this route' }],
      },
    };
    const binding = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: `freeze-${setup.name}` }, spec: { policyName: `freeze-${setup.name}`, validationActions: ['Deny'] } };
    policies.push(binding, policy);
    for (const object of [policy, binding]) await client.apply(object, { fieldManager: 'test', force: true });
    // The policy is in force once a real write is denied (the probe's label is never written).
    const denied = await until(
      () => client.request('PATCH', `/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/${setup.name}`, { body: { metadata: { labels: { probe: 'x' } } }, contentType: 'application/merge-patch+json' }).then(() => false, () => true),
      (d) => d,
    );
    expect(denied).toBe(true);
    const before = await snapshot(setup.name);

    const traffic = users(setup.host);
    const error = await startRollout(await context(setup), { strategy: 'canary', image: images.v1!, subset: 'v1' }).catch((e: unknown) => e as Error);
    await sleep(1000);
    const { answers, failed } = await traffic.stop();
    expect(error).toBeInstanceOf(ShiplineError);
    const message = (error as Error).message;
    expect(message).toContain('change freeze on this route');
    expect(message).toContain(`undone: Deployment default/${setup.name}-adopted (created, deleted again), Service default/${setup.name}-adopted (created, deleted again)`);
    expect(message).toContain(`Deployment default/${setup.name} was not changed and keeps serving`);
    expect(message).not.toContain('nothing was changed');
    expect(failed, JSON.stringify(failed.slice(0, 5))).toEqual([]);
    expect(answers.length).toBeGreaterThan(20);
    // The cluster holds what it held before: the copy and its Service gone, route and original as they were.
    const after = await until(() => snapshot(setup.name), (s) => JSON.stringify(s) === JSON.stringify(before));
    expect(after).toEqual(before);
    const served = await send(50, { host: setup.host, concurrency: 2 });
    expect(served.map((a) => `${a.status} ${a.version}`)).toEqual(Array(50).fill('200 v0'));
  });
});

describe('routes no implementation here serves are refused before any change (exit 3)', () => {
  it('a mesh route against Traefik, which publishes no Mesh feature', async () => {
    const setup = userSetup({}, { api: 'gateway-api', implementation: 'auto' });
    const before = await snapshot(setup.name);
    const error = await context(setup).then((ctx) => startRollout(ctx, { strategy: 'canary', image: images.v1!, subset: 'v1' })).catch((e: unknown) => e as ShiplineError);
    expect(error).toBeInstanceOf(ShiplineError);
    expect((error as ShiplineError).exitCode).toBe(3);
    expect((error as Error).message).toContain('a mesh route (no routing.gateways) needs an implementation with mesh support; no GatewayClass publishes a Mesh feature (classes: traefik (traefik))');
    expect((error as ShiplineError).hint).toContain('routing.gateways');
    expect(await snapshot(setup.name)).toEqual(before);
  });

  it('a route with no Gateway on a cluster with Istio CRDs but no istiod: auto and api: istio refused, external trusted', async () => {
    for (const routing of [{ implementation: 'auto' }, { api: 'istio', implementation: 'auto' }]) {
      const setup = userSetup({}, routing);
      const before = await snapshot(setup.name);
      const error = await context(setup).catch((e: unknown) => e as ShiplineError);
      expect(error, JSON.stringify(routing)).toBeInstanceOf(ShiplineError);
      expect((error as ShiplineError).exitCode).toBe(3);
      expect((error as Error).message).toContain('Istio: no istiod runs (no istiod Deployment (app=istiod) found): the CRDs alone serve no VirtualService');
      expect((error as ShiplineError).hint).toContain('routing.implementation: external');
      expect(await snapshot(setup.name)).toEqual(before);
    }
    const trusted = await context(userSetup({}, { api: 'istio', implementation: 'external' }));
    expect(trusted.choice.api).toBe('istio');
  });

  it('a Gateway that does not exist', async () => {
    const setup = userSetup({}, { gateways: [`${dataPlane.gatewayNamespace}/nope`] });
    const error = await context(setup).catch((e: unknown) => e as ShiplineError);
    expect((error as ShiplineError).exitCode).toBe(3);
    expect((error as Error).message).toContain(`Gateway ${dataPlane.gatewayNamespace}/nope (routing.gateways) does not exist`);
  });
});
