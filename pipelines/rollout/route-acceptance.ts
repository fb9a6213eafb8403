// Whether the implementation has taken a route change: an HTTPRoute's status.parents[]
// conditions Accepted and ResolvedRefs, True for the route's current generation. The
// judgement is pure; the wait polls the cluster.
import type { KubeObject } from '../adapters/kube.js';
import { ExternalError } from '../errors.js';
import type { RolloutContext } from './context.js';

interface Condition { type: string; status: string; reason?: string; message?: string; observedGeneration?: number }
interface ParentStatus { parentRef: { name: string; namespace?: string; kind?: string }; controllerName?: string; conditions?: Condition[] }
export type RouteObject = KubeObject & { metadata: { generation?: number }; spec?: { parentRefs?: { name: string; namespace?: string; kind?: string }[] }; status?: { parents?: ParentStatus[] } };

export type Acceptance =
  | { state: 'accepted' }
  | { state: 'pending'; detail: string }
  | { state: 'rejected'; parent: string; condition: string; reason: string; message: string };

const wanted = ['Accepted', 'ResolvedRefs'] as const;

function parentName(ref: { name: string; namespace?: string }, routeNamespace: string): string {
  return `${ref.namespace ?? routeNamespace}/${ref.name}`;
}

/** Every parent of the spec must report both conditions True for this generation. */
export function routeAcceptance(route: RouteObject): Acceptance {
  const generation = route.metadata.generation ?? 0;
  const namespace = route.metadata.namespace ?? 'default';
  const parents = route.spec?.parentRefs ?? [];
  const statuses = route.status?.parents ?? [];
  const waiting: string[] = [];
  for (const ref of parents) {
    const name = parentName(ref, namespace);
    const status = statuses.find((s) => parentName(s.parentRef, namespace) === name);
    if (!status) {
      waiting.push(`${name}: no status yet (is an implementation serving it?)`);
      continue;
    }
    for (const type of wanted) {
      const condition = status.conditions?.find((c) => c.type === type);
      const current = condition !== undefined && (condition.observedGeneration ?? 0) >= generation;
      if (!current) {
        waiting.push(`${name}: ${type} not reported for generation ${generation}`);
      } else if (condition.status === 'False') {
        return { state: 'rejected', parent: name, condition: type, reason: condition.reason ?? '', message: condition.message ?? '' };
      } else if (condition.status !== 'True') {
        waiting.push(`${name}: ${type}=${condition.status} (${condition.reason ?? ''})`);
      }
    }
  }
  return waiting.length === 0 ? { state: 'accepted' } : { state: 'pending', detail: waiting.join('; ') };
}

export class RouteRejectedError extends ExternalError {}

/**
 * Waits until every HTTPRoute among `objects` is accepted by its implementation.
 * Istio objects carry no such status: nothing to wait for.
 */
/**
 * An implementation may report a backend it has not seen yet (a Service created in the
 * same apply) as not found for a moment: a False condition counts as a rejection only
 * once it has stood this long.
 */
export const rejectionGraceMs = 3000;

export async function waitRoutesAccepted(ctx: RolloutContext, objects: readonly KubeObject[], timeoutMs: number): Promise<number> {
  const started = Date.now();
  const routes = objects.filter((o) => o.kind === 'HTTPRoute');
  for (const route of routes) {
    let last: Acceptance = { state: 'pending', detail: 'not read yet' };
    let falseSince: number | undefined;
    for (;;) {
      const live = await ctx.client.get<RouteObject>(route);
      last = live ? routeAcceptance(live) : { state: 'pending', detail: 'the route is not there' };
      if (last.state === 'accepted') break;
      falseSince = last.state === 'rejected' ? (falseSince ?? Date.now()) : undefined;
      if (last.state === 'rejected' && Date.now() - falseSince! >= rejectionGraceMs) {
        throw new RouteRejectedError(
          `HTTPRoute ${ctx.namespace}/${route.metadata.name}: ${last.parent} set ${last.condition}=False (${last.reason}: ${last.message})`,
          { hint: 'the implementation refused this route; traffic stays on the last accepted split' },
        );
      }
      if (Date.now() - started > timeoutMs) {
        const detail = last.state === 'rejected' ? `${last.condition}=False (${last.reason}: ${last.message})` : last.detail;
        throw new ExternalError(`HTTPRoute ${ctx.namespace}/${route.metadata.name} was not accepted within ${timeoutMs / 1000}s: ${detail}`, {
          hint: 'check that a Gateway API implementation serves its parent Gateway (`shipline check`), or raise rollout.acceptTimeout',
        });
      }
      await ctx.sleep(100);
    }
  }
  return Date.now() - started;
}
