// Bounded history (rollout.keepVersions): after a promotion, the Deployments, Services and
// autoscalers of older versions that shipline created are deleted. Never the adopted
// original (not shipline's), never an object the live route still sends traffic to. The
// release records stay: a rollback to a deleted version rebuilds it by digest.
import type { KubeObject } from '../adapters/kube.js';
import { subsetServiceName } from '../../manifests/gateway-api.js';
import type { RolloutContext } from './context.js';
import { workload } from './effects.js';
import { versionsToPrune, type StoredRelease } from './history.js';

type Managed = KubeObject & { metadata: { managedFields?: { manager?: string }[] } };

/** Whether shipline made the object: its label on versions, its field manager on per-version Services. */
function createdByShipline(ctx: RolloutContext, live: Managed): boolean {
  const labels = (live.metadata.labels as Record<string, string> | undefined) ?? {};
  if (live.kind !== 'Service') return labels['app.kubernetes.io/managed-by'] === 'shipline';
  const managers = (live.metadata.managedFields ?? []).map((m) => m.manager ?? '');
  return managers.includes(ctx.fieldManager) && !managers.some((m) => m.startsWith('kubectl') || m === 'helm');
}

/** Names the live route sends traffic to: HTTPRoute backends, VirtualService destinations and subsets. */
async function routedNames(ctx: RolloutContext): Promise<Set<string>> {
  const kind = ctx.choice.api === 'istio' ? 'VirtualService' : 'HTTPRoute';
  const live = await ctx.client.get({ apiVersion: ctx.choice.apiVersion, kind, metadata: { name: ctx.route, namespace: ctx.namespace } });
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        if ((key === 'name' || key === 'host' || key === 'subset') && typeof v === 'string') names.add(v);
        else walk(v);
      }
    }
  };
  walk(live?.spec);
  return names;
}

function versionObjects(ctx: RolloutContext, subset: string): KubeObject[] {
  const objects = workload(ctx, subset, 'pruned');
  if (ctx.choice.api === 'gateway-api') {
    objects.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: subsetServiceName(ctx.intent, subset), namespace: ctx.namespace } });
  }
  return objects;
}

/** Deletes the objects of versions beyond rollout.keepVersions; returns what it deleted. */
export async function pruneVersions(ctx: RolloutContext, history: readonly StoredRelease[]): Promise<string[]> {
  const subsets = versionsToPrune(history, ctx.rollout.keepVersions);
  if (subsets.length === 0) return [];
  const routed = await routedNames(ctx);
  const deleted: string[] = [];
  for (const subset of subsets) {
    if (routed.has(subset)) continue;
    for (const object of versionObjects(ctx, subset)) {
      if (routed.has(object.metadata.name)) continue;
      const live = await ctx.client.get<Managed>(object);
      if (!live || !createdByShipline(ctx, live)) continue;
      await ctx.lock?.confirm();
      if (await ctx.client.delete(object, { propagationPolicy: 'Background' })) deleted.push(`${object.kind}/${object.metadata.name}`);
    }
  }
  if (deleted.length > 0) ctx.log(`rollout.keepVersions ${ctx.rollout.keepVersions}: deleted ${deleted.join(', ')}`);
  return deleted;
}
