// `rollout status`: the release history's latest entry, the live route's weights and
// the versions' Deployments.
import type { KubeObject } from '../adapters/kube.js';
import type { RolloutContext } from './context.js';
import { listReleases, type Release } from './history.js';

export interface LiveWeight {
  rule: number;
  destination: string;
  weight: number;
}

export interface RolloutStatus {
  route: string;
  api: string;
  current?: Release;
  stable?: string;
  weights: LiveWeight[];
  mirror?: string;
  versions: { name: string; replicas: number; ready: number; image: string }[];
}

type Obj = Record<string, unknown>;

export function liveWeights(route: KubeObject | undefined): { weights: LiveWeight[]; mirror?: string } {
  if (!route) return { weights: [] };
  const spec = route.spec as Obj;
  const weights: LiveWeight[] = [];
  let mirror: string | undefined;
  if (route.kind === 'VirtualService') {
    ((spec.http as Obj[] | undefined) ?? []).forEach((h, rule) => {
      const routes = (h.route as { destination: { host: string; subset?: string }; weight?: number }[]) ?? [];
      for (const r of routes) weights.push({ rule, destination: r.destination.subset ?? r.destination.host, weight: r.weight ?? (routes.length === 1 ? 100 : 0) });
      const m = h.mirror as { subset?: string; host: string } | undefined;
      if (m) mirror = `${m.subset ?? m.host} ${(h.mirrorPercentage as { value: number } | undefined)?.value ?? 100}%`;
    });
  } else {
    ((spec.rules as Obj[] | undefined) ?? []).forEach((r, rule) => {
      // backendRef weights are relative (the API server defaults each to 1): shown as percentages.
      const refs = (r.backendRefs as { name: string; weight?: number }[]) ?? [];
      const total = refs.reduce((sum, b) => sum + (b.weight ?? 1), 0);
      for (const b of refs) weights.push({ rule, destination: b.name, weight: total > 0 ? Math.round((100 * (b.weight ?? 1)) / total) : 0 });
    });
  }
  return { weights, mirror };
}

export async function rolloutStatus(ctx: RolloutContext): Promise<RolloutStatus> {
  const history = await listReleases(ctx.client, ctx.route, ctx.namespace);
  const kind = ctx.choice.api === 'istio' ? 'VirtualService' : 'HTTPRoute';
  const route = await ctx.client.get({ apiVersion: ctx.choice.apiVersion, kind, metadata: { name: ctx.route, namespace: ctx.namespace } });
  const selector = Object.entries(ctx.intent.selector ?? { app: ctx.service }).map(([k, v]) => `${k}=${v}`).join(',');
  const deployments = await ctx.client.request<{ items: { metadata: { name: string }; spec: { replicas?: number; template: { spec: { containers: { name: string; image: string }[] } } }; status?: { readyReplicas?: number } }[] }>(
    'GET', `/apis/apps/v1/namespaces/${ctx.namespace}/deployments`, { query: { labelSelector: selector } },
  );
  return {
    route: ctx.route,
    api: ctx.choice.apiVersion,
    current: history.at(-1)?.release,
    stable: [...history].reverse().find((s) => s.release.state === 'promoted')?.release.subset,
    ...liveWeights(route),
    versions: deployments.body.items.map((d) => ({
      name: d.metadata.name,
      replicas: d.spec.replicas ?? 1,
      ready: d.status?.readyReplicas ?? 0,
      image: (d.spec.template.spec.containers.find((c) => c.name === ctx.template.container) ?? d.spec.template.spec.containers[0])?.image ?? '',
    })),
  };
}

export function formatStatus(s: RolloutStatus): string {
  const lines = [`route    ${s.route} (${s.api})`];
  if (s.current) lines.push(`release  r${s.current.revision} ${s.current.subset} ${s.current.state} (${s.current.strategy}: ${s.current.stepLabel})${s.current.note ? ` — ${s.current.note}` : ''}`);
  else lines.push('release  none yet');
  lines.push(`stable   ${s.stable ?? '-'}`);
  for (const w of s.weights) lines.push(`weight   rule ${w.rule}: ${w.destination} ${w.weight}%`);
  if (s.mirror) lines.push(`mirror   ${s.mirror}`);
  for (const v of s.versions) lines.push(`version  ${v.name} ${v.ready}/${v.replicas} ready ${v.image}`);
  return lines.join('\n');
}
