// The route named in routing.name is shipline's by declaration. On the first release of a
// route another field manager made (kubectl, Helm, a GitOps tool), shipline takes the
// fields it renders with a forced server-side apply of that one object — nothing else is
// forced (unless --force-conflicts) — and says so: which managers, which fields, and which
// tool's next sync will fight the rollout.
import type { KubeObject } from '../adapters/kube.js';
import { fieldConflicts } from '../cluster/apply.js';
import type { RolloutContext } from './context.js';

const routeKinds = new Set(['HTTPRoute', 'VirtualService', 'DestinationRule']);

/** The route objects routing.name declares (HTTPRoute, or VirtualService and DestinationRule). */
export function isDeclaredRoute(ctx: Pick<RolloutContext, 'route'>, object: KubeObject): boolean {
  return routeKinds.has(object.kind) && object.metadata.name === ctx.route;
}

/** Which objects an apply of the rollout forces: the declared route, or all with --force-conflicts. */
export function forceFor(ctx: Pick<RolloutContext, 'route' | 'forceConflicts'>): (object: KubeObject) => boolean {
  return (object) => ctx.forceConflicts === true || isDeclaredRoute(ctx, object);
}

export interface Takeover {
  /** e.g. HTTPRoute default/web */
  object: string;
  /** Each other manager with the fields shipline takes from it. */
  managers: { manager: string; fields: string[] }[];
}

export interface TakeoverPlan {
  takeovers: Takeover[];
  /** Objects another tool (Helm, Argo CD, Flux) keeps in sync. */
  warnings: string[];
}

const describe = (o: KubeObject, namespace: string) => `${o.kind} ${o.metadata.namespace ?? namespace}/${o.metadata.name}`;

/** The tool that keeps a live object in sync, from the labels and annotations each one sets. */
export function syncingTool(live: KubeObject): string | undefined {
  const labels = (live.metadata.labels as Record<string, string> | undefined) ?? {};
  const annotations = (live.metadata.annotations as Record<string, string> | undefined) ?? {};
  if (labels['app.kubernetes.io/managed-by'] === 'Helm' || annotations['meta.helm.sh/release-name']) {
    return `Helm (release ${annotations['meta.helm.sh/release-name'] ?? labels['app.kubernetes.io/instance'] ?? '?'})`;
  }
  if (annotations['argocd.argoproj.io/tracking-id'] || labels['argocd.argoproj.io/instance']) {
    return `Argo CD (application ${(annotations['argocd.argoproj.io/tracking-id'] ?? labels['argocd.argoproj.io/instance'])!.split(':')[0]})`;
  }
  const flux = labels['kustomize.toolkit.fluxcd.io/name'] ?? labels['helm.toolkit.fluxcd.io/name'];
  if (flux) return `Flux (${labels['kustomize.toolkit.fluxcd.io/name'] ? 'Kustomization' : 'HelmRelease'} ${flux})`;
  return undefined;
}

/**
 * Reads, changing nothing, what the first release takes over: the declared route's fields
 * other managers own (a server-side dry-run without force), and objects a sync tool manages.
 */
export async function planTakeover(ctx: RolloutContext, objects: readonly KubeObject[]): Promise<TakeoverPlan> {
  const plan: TakeoverPlan = { takeovers: [], warnings: [] };
  const placed = objects.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: o.metadata.namespace ?? ctx.namespace } }));
  const seen = new Set<string>();
  const unique = placed.filter((o) => {
    const key = `${o.apiVersion} ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  for (const object of unique) {
    const live = await ctx.client.get(object);
    if (!live) continue;
    const tool = syncingTool(live);
    if (tool) {
      plan.warnings.push(`${describe(object, ctx.namespace)} is kept in sync by ${tool}: its next sync will undo what the rollout changes; ` +
        'hand it to shipline first (see "First release" in README.md)');
    }
    if (!isDeclaredRoute(ctx, object)) continue;
    const conflicts = await fieldConflicts(ctx.client, object, ctx.fieldManager);
    if (conflicts.length === 0) continue;
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.field]);
    plan.takeovers.push({ object: describe(object, ctx.namespace), managers: [...byManager].map(([manager, fields]) => ({ manager, fields: fields.sort() })) });
  }
  return plan;
}

export function takeoverLines(plan: TakeoverPlan): string[] {
  return plan.takeovers.map((t) =>
    `taking over ${t.object} (routing.name declares it shipline's): ${t.managers.map((m) => `${m.fields.join(', ')} from "${m.manager}"`).join('; ')}`,
  );
}
