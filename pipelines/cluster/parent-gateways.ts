// Whether the Gateways a route names (routing.gateways) let it attach: the Gateway exists,
// one of its listeners allows HTTPRoutes from the route's namespace (allowedRoutes), and
// every host of the route falls under such a listener's hostname. Read before the first
// change; a route that cannot attach is refused (exit 3), not applied and waited on.
import type { KubeClient, KubeObject } from '../adapters/kube.js';
import { PreconditionError } from '../errors.js';
import { gatewayGroup } from '../model/api-groups.js';

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface Listener {
  name: string;
  hostname?: string;
  allowedRoutes?: { namespaces?: { from?: 'All' | 'Same' | 'Selector'; selector?: LabelSelector }; kinds?: { group?: string; kind: string }[] };
}

export interface ParentGateway {
  ref: string;
  namespace: string;
  name: string;
  /** Undefined when the Gateway does not exist. */
  listeners?: Listener[];
}

export interface RouteAttachment {
  namespace: string;
  /** Labels of the route's namespace, for allowedRoutes selectors. */
  namespaceLabels: Record<string, string>;
  hosts: readonly string[];
}

function matchesSelector(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => {
    const has = Object.hasOwn(labels, e.key);
    if (e.operator === 'In') return has && (e.values ?? []).includes(labels[e.key]!);
    if (e.operator === 'NotIn') return !has || !(e.values ?? []).includes(labels[e.key]!);
    if (e.operator === 'Exists') return has;
    if (e.operator === 'DoesNotExist') return !has;
    return false;
  });
  return byLabels && byExpressions;
}

function allowsNamespace(listener: Listener, gatewayNamespace: string, route: RouteAttachment): boolean {
  const from = listener.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return route.namespace === gatewayNamespace;
  return matchesSelector(listener.allowedRoutes?.namespaces?.selector, route.namespaceLabels);
}

function allowsHttpRoute(listener: Listener): boolean {
  const kinds = listener.allowedRoutes?.kinds;
  return !kinds || kinds.length === 0 || kinds.some((k) => k.kind === 'HTTPRoute' && (k.group ?? gatewayGroup) === gatewayGroup);
}

/** Gateway API hostname matching: `*.example.com` covers one or more labels in front of example.com. */
export function hostFallsUnder(host: string, listenerHostname: string | undefined): boolean {
  if (!listenerHostname || host === '*') return true;
  if (host === listenerHostname) return true;
  const suffix = (h: string) => h.slice(1); // "*.example.com" → ".example.com"
  if (listenerHostname.startsWith('*.')) {
    return host.startsWith('*.') ? host.endsWith(suffix(listenerHostname)) : host.endsWith(suffix(listenerHostname)) && host.length > suffix(listenerHostname).length;
  }
  // A wildcard route host meets an exact listener hostname under it.
  return host.startsWith('*.') && listenerHostname.endsWith(suffix(host));
}

/** Why the route cannot attach to each of its Gateways; empty when it can attach to all. Pure. */
export function attachmentProblems(parents: readonly ParentGateway[], route: RouteAttachment): string[] {
  const problems: string[] = [];
  for (const parent of parents) {
    const gateway = `Gateway ${parent.namespace}/${parent.name}`;
    if (!parent.listeners) {
      problems.push(`${gateway} (routing.gateways) does not exist`);
      continue;
    }
    const open = parent.listeners.filter((l) => allowsHttpRoute(l) && allowsNamespace(l, parent.namespace, route));
    if (open.length === 0) {
      const froms = parent.listeners.map((l) => `${l.name}: from ${l.allowedRoutes?.namespaces?.from ?? 'Same'}`).join(', ');
      problems.push(`${gateway} allows no HTTPRoute from namespace ${route.namespace} (listeners ${froms || 'none'}); set the listener's allowedRoutes.namespaces (e.g. from: All) or route from ${parent.namespace}`);
      continue;
    }
    for (const host of route.hosts) {
      if (open.some((l) => hostFallsUnder(host, l.hostname))) continue;
      problems.push(`${gateway}: no listener open to the route serves host ${host} (listener hostnames: ${open.map((l) => `${l.name}=${l.hostname ?? '*'}`).join(', ')}); change routing.hosts or the listener's hostname`);
    }
  }
  return problems;
}

type GatewayObject = KubeObject & { spec?: { listeners?: Listener[] } };

export async function readParentGateways(client: KubeClient, refs: readonly string[], routeNamespace: string, version = 'v1'): Promise<ParentGateway[]> {
  return Promise.all(refs.map(async (ref) => {
    const [namespace, name] = ref.includes('/') ? ref.split('/') as [string, string] : [routeNamespace, ref];
    const live = await client.get<GatewayObject>({ apiVersion: `${gatewayGroup}/${version}`, kind: 'Gateway', metadata: { name, namespace } });
    return { ref, namespace, name, listeners: live ? (live.spec?.listeners ?? []) : undefined };
  }));
}

/** Refuses (exit 3) a route that cannot attach to the Gateways it names. */
export async function checkParentGateways(client: KubeClient, route: { name: string; namespace: string; gateways: readonly string[]; hosts: readonly string[] }, version = 'v1'): Promise<void> {
  if (route.gateways.length === 0) return;
  const [parents, ns] = await Promise.all([
    readParentGateways(client, route.gateways, route.namespace, version),
    client.get({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: route.namespace } }),
  ]);
  const problems = attachmentProblems(parents, { namespace: route.namespace, namespaceLabels: (ns?.metadata.labels as Record<string, string> | undefined) ?? {}, hosts: route.hosts });
  if (problems.length === 0) return;
  throw new PreconditionError(`HTTPRoute ${route.namespace}/${route.name} cannot attach to its Gateway; nothing was changed:\n  ${problems.join('\n  ')}`, {
    hint: 'set routing.gateways to a Gateway that exists and allows the route (its listeners\' allowedRoutes and hostname)',
  });
}
