// The cluster changes a rollout makes: apply a traffic state, deploy or scale a
// version, wait for it to be available.
import type { KubeObject } from '../adapters/kube.js';
import { renderRouting } from '../../manifests/render.js';
import { toYaml } from '../model/yaml.js';
import type { IstioVersion } from '../../manifests/istio.js';
import { applyObjects, type ApplyOutcome } from '../cluster/apply.js';
import { forceFor } from './takeover.js';
import { ExternalError, PreconditionError } from '../errors.js';
import { missingFeatures } from '../../manifests/route-features.js';
import { withTraefikMirroring } from '../../manifests/traefik-mirror.js';
import { containerPort } from './template.js';
import { checkInterrupted } from '../interrupt.js';
import { ms } from '../config/rollout.js';
import type { RolloutContext } from './context.js';
import { intentFor, type RouteState } from './route-states.js';
import { deriveDeployment, deriveVersion, podSelector, versionName } from './derive.js';
import { classifyVersion, currentPods, type ReplicaSetState, type DeploymentState, type PodEvent, type PodState, type Readiness } from './readiness.js';

export const subsetLabelsFor = (subset: string) => ({ version: subset });

export function routingObjects(ctx: RolloutContext, state: RouteState): KubeObject[] {
  const subsets = Object.fromEntries(
    [...new Set([...state.split.map((s) => s.subset), state.mirror?.subset, state.header?.subset].filter((s): s is string => !!s))].map((s) => [s, subsetLabelsFor(s)]),
  );
  // Per-version Services send traffic to the port the versions really listen on.
  const intent = { ...intentFor(ctx.intent, state, subsets), targetPort: ctx.intent.targetPort ?? containerPort(ctx.template, ctx.rollout.workload.port) };
  const objects = renderRouting(intent, { api: ctx.choice.api, istioVersion: ctx.choice.version as IstioVersion, file: ctx.loaded.file, positions: ctx.loaded.positions });
  return useTraefikMirroring(ctx) ? withTraefikMirroring(objects) : objects;
}

/** Traefik lacks the standard mirror filter; its own TraefikService mirrors when the config allows it. */
export function useTraefikMirroring(ctx: RolloutContext): boolean {
  return ctx.choice.api === 'gateway-api' && ctx.rollout.implementationSpecific && ctx.gatewayClass?.implementation === 'traefik';
}

/**
 * Refuses, before anything changes, a rollout whose routes need a Gateway API feature
 * the implementation does not publish as supported (Traefik 3.6 answers every request
 * of a route with a RequestMirror filter with 500, and ignores timeouts).
 */
export function checkRouteFeatures(ctx: RolloutContext, states: readonly RouteState[]): void {
  const cls = ctx.gatewayClass;
  if (ctx.choice.api !== 'gateway-api' || !cls) return;
  const routes = states.flatMap((state) => routingObjects(ctx, state));
  const missing = missingFeatures(routes, cls.supportedFeatures);
  if (missing.length === 0) return;
  const mirror = missing.some((m) => m.feature.includes('Mirror'));
  throw new PreconditionError(
    `GatewayClass ${cls.name} (${cls.implementation}) does not support ${missing.map((m) => `${m.feature} (HTTPRoute ${m.route} ${m.field})`).join(', ')}; nothing was changed`,
    {
      hint: mirror && cls.implementation === 'traefik'
        ? 'set rollout.implementationSpecific: true to mirror through a TraefikService, or use another strategy'
        : 'drop the setting from the routing rules, or route through an implementation that supports it',
    },
  );
}

export async function applyRendered(ctx: RolloutContext, objects: KubeObject[], label: string): Promise<void> {
  // Every change is made by the lease's holder only: renewed just before, or no change.
  await ctx.lock?.confirm();
  const outcomes = await applyObjects(
    ctx.client,
    objects.map((object, i) => ({ object, file: label, doc: i + 1 })),
    { fieldManager: ctx.fieldManager, namespace: ctx.namespace, force: forceFor(ctx) },
  );
  noteChanges(ctx, outcomes);
}

/** Keeps what an apply changed while a first release runs (ctx.changes), first change first. */
function noteChanges(ctx: RolloutContext, outcomes: readonly ApplyOutcome[]): void {
  if (!ctx.changes) return;
  for (const o of outcomes) {
    if (o.action === 'unchanged' || !o.target) continue;
    // The first state of an object is what an undo goes back to.
    const same = (c: { object: KubeObject }) => c.object.kind === o.target!.kind && c.object.metadata.name === o.target!.metadata.name && c.object.metadata.namespace === o.target!.metadata.namespace;
    if (!ctx.changes.some(same)) ctx.changes.push({ object: o.target, action: o.action, before: o.before });
  }
}

/** A version's objects: its Deployment (derived from the workload template), then its autoscalers. */
export function workload(ctx: RolloutContext, subset: string, image: string, replicas?: number): KubeObject[] {
  return deriveVersion(ctx.template, { subset, image, subsetLabels: subsetLabelsFor(subset), namespace: ctx.namespace, replicas });
}

export function versionDeploymentName(ctx: RolloutContext, subset: string): string {
  return versionName(ctx.template.deployment.metadata.name, subset);
}

/** The manifests' other objects (Services, ConfigMaps, …), applied once per release. */
export async function applyShared(ctx: RolloutContext): Promise<void> {
  if (ctx.template.shared.length === 0) return;
  await ctx.lock?.confirm();
  noteChanges(ctx, await applyObjects(ctx.client, ctx.template.shared, { fieldManager: ctx.fieldManager, namespace: ctx.namespace, force: forceFor(ctx) }));
  ctx.log(`applied ${ctx.template.shared.map((s) => `${s.object.kind}/${s.object.metadata.name}`).join(', ')}`);
}

export function manifestsYaml(objects: readonly KubeObject[]): string {
  return toYaml(objects);
}

function versionSelector(ctx: RolloutContext, subset: string): string {
  return podSelector(deriveDeployment(ctx.template, { subset, image: '', subsetLabels: subsetLabelsFor(subset), namespace: ctx.namespace }));
}

async function podsOf(ctx: RolloutContext, selector: string): Promise<(PodState & { status?: { podIP?: string } })[]> {
  const res = await ctx.client.request<{ items: PodState[] }>('GET', `/api/v1/namespaces/${ctx.namespace}/pods`, { query: { labelSelector: selector } });
  return res.body.items;
}

async function replicaSetsOf(ctx: RolloutContext, selector: string): Promise<ReplicaSetState[]> {
  const res = await ctx.client.request<{ items: ReplicaSetState[] }>('GET', `/apis/apps/v1/namespaces/${ctx.namespace}/replicasets`, { query: { labelSelector: selector } });
  return res.body.items;
}

async function podEvents(ctx: RolloutContext, pods: readonly PodState[]): Promise<PodEvent[]> {
  const unready = pods.filter((p) => p.status?.containerStatuses?.some((c) => !c.ready && c.state?.running));
  const lists = await Promise.all(
    unready.map((p) =>
      ctx.client.request<{ items: { reason?: string; message?: string; count?: number; lastTimestamp?: string; eventTime?: string }[] }>('GET', `/api/v1/namespaces/${ctx.namespace}/events`, {
        query: { fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${p.metadata.name}` },
      }),
    ),
  );
  return lists.flatMap((res, i) =>
    res.body.items.map((e) => ({ pod: unready[i]!.metadata.name, reason: e.reason ?? '', message: e.message ?? '', count: e.count, lastTimestamp: e.lastTimestamp ?? e.eventTime })),
  );
}

/** Base URLs (`http://<pod address>:<port>`) of the version's ready pods. */
export async function versionAddresses(ctx: RolloutContext, subset: string, port: number): Promise<string[]> {
  const pods = await podsOf(ctx, versionSelector(ctx, subset));
  return pods
    .filter((p) => !p.metadata.deletionTimestamp && p.status?.podIP && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((p) => `http://${p.status!.podIP!.includes(':') ? `[${p.status!.podIP!}]` : p.status!.podIP!}:${port}`);
}

/**
 * Waits until the version's Deployment is available by its own status; fails as soon as
 * its pods cannot start (image pull, crash, unschedulable, failing readiness probe) or its
 * progress deadline passes, naming pod, container, reason and message.
 */
export async function waitAvailable(ctx: RolloutContext, subset: string): Promise<void> {
  await waitDeployment(ctx, versionDeploymentName(ctx, subset), versionSelector(ctx, subset));
}

/** waitAvailable for any Deployment, by name and pod selector (e.g. an adopted original). */
export async function waitDeployment(ctx: RolloutContext, name: string, selector: string): Promise<void> {
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ctx.namespace } };
  const timeout = ms(ctx.rollout.availableTimeout);
  const deadline = Date.now() + timeout;
  let last: Readiness = { state: 'waiting', detail: 'not read yet' };
  while (Date.now() < deadline) {
    checkInterrupted(`while waiting for Deployment ${ctx.namespace}/${name} to become available`);
    const deployment = await ctx.client.get<KubeObject & DeploymentState>(ref);
    const pods = deployment ? currentPods(deployment, await replicaSetsOf(ctx, selector), await podsOf(ctx, selector)) : [];
    const events = await podEvents(ctx, pods);
    last = classifyVersion(deployment, pods, events, { now: new Date() });
    if (last.state === 'available') return;
    if (last.state === 'failed') {
      throw new ExternalError(`Deployment ${ctx.namespace}/${name} cannot become available: ${last.message}`, {
        hint: 'fix the version (image, command, probes, resources) and roll out again; traffic was not shifted',
      });
    }
    await ctx.sleep(1000);
  }
  throw new ExternalError(`Deployment ${ctx.namespace}/${name} did not become available within ${ctx.rollout.availableTimeout}: ${last.state === 'waiting' ? last.detail : ''}`, {
    hint: `check its pods (\`kubectl describe pod -l ${selector}\`); traffic was not shifted`,
  });
}

/**
 * Waits until each Service lists a ready endpoint in its EndpointSlices: a route's
 * status says nothing of that (ResolvedRefs stays True for a Service with no pod).
 */
export async function waitEndpointsReady(ctx: RolloutContext, services: readonly KubeObject[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const service of services) {
    for (;;) {
      const res = await ctx.client.request<{ items: { endpoints?: { conditions?: { ready?: boolean } }[] }[] }>(
        'GET', `/apis/discovery.k8s.io/v1/namespaces/${service.metadata.namespace ?? ctx.namespace}/endpointslices`,
        { query: { labelSelector: `kubernetes.io/service-name=${service.metadata.name}` } },
      );
      if (res.body.items.some((slice) => slice.endpoints?.some((e) => e.conditions?.ready))) break;
      if (Date.now() > deadline) {
        throw new ExternalError(`Service ${ctx.namespace}/${service.metadata.name} has no ready endpoint after ${timeoutMs / 1000}s`, {
          hint: 'its selector matches no ready pod of the version: check the version labels and readiness; traffic was not shifted',
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
