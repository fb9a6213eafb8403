// The first release of a route: before its first change, everything it will apply is
// dry-run on the server (the declared route forced, nothing else unless --force-conflicts),
// so a conflict or an invalid object is refused while the cluster is as it was.
import type { KubeObject } from '../adapters/kube.js';
import { applyObjects } from '../cluster/apply.js';
import type { RolloutContext } from './context.js';
import { adoptable, adoptedObjects, adoptedSubset } from './adopt.js';
import { routingObjects, workload } from './effects.js';
import { stableState } from './route-states.js';
import { forceFor, planTakeover, type TakeoverPlan } from './takeover.js';

/** What the first release of `subset` applies: shared objects, the adopted copy and its route, the version and its route. */
async function firstReleaseObjects(ctx: RolloutContext, subset: string, image: string): Promise<KubeObject[]> {
  const live = await adoptable(ctx);
  const declared = String(live?.spec.template.spec.containers.find((c) => c.name === ctx.template.container)?.image ?? '');
  const adoption = live ? [...adoptedObjects(ctx, live, declared), ...routingObjects(ctx, stableState(adoptedSubset))] : [];
  return [...ctx.template.shared.map((s) => s.object), ...adoption, ...workload(ctx, subset, image), ...routingObjects(ctx, stableState(subset))];
}

/** Reads what the first release takes over (changes nothing). */
export async function planFirstRelease(ctx: RolloutContext, subset: string): Promise<TakeoverPlan> {
  const original = ctx.template.source === '(generated)' ? [] : [ctx.template.deployment];
  return planTakeover(ctx, [...ctx.template.shared.map((s) => s.object), ...original, ...routingObjects(ctx, stableState(subset))]);
}

/** Server-side dry-run of every object of the first release; throws, changing nothing, when the server refuses one. */
export async function preflightFirstRelease(ctx: RolloutContext, subset: string, image: string): Promise<void> {
  const objects = await firstReleaseObjects(ctx, subset, image);
  // One object per name: the adopted route and the version's route are the same object.
  const seen = new Map<string, KubeObject>();
  for (const o of objects) seen.set(`${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
  await applyObjects(ctx.client, [...seen.values()].map((object, i) => ({ object, file: '(first release)', doc: i + 1 })), {
    fieldManager: ctx.fieldManager,
    namespace: ctx.namespace,
    force: forceFor(ctx),
    dryRun: true,
  });
}
