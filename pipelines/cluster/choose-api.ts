// Picks the routing API and version that render will use, from what the intent needs
// and what the cluster serves. Pure.
import { PreconditionError } from '../errors.js';
import { gatewayGroup, istioGroup } from '../model/api-groups.js';
import type { RoutingFacts } from './check-facts.js';
import { gatewayImplementationRunning, meshClasses } from './implementation.js';
import type { RoutingNeeds } from './routing-needs.js';

export type ApiPreference = 'auto' | 'istio' | 'gateway-api';
/**
 * routing.implementation: `auto` — an API is used only where its implementation visibly
 * runs (istiod, a Programmed Gateway, a GatewayClass with mesh support); `external` — the
 * implementation runs where shipline cannot see it: the CRDs are taken on trust.
 */
export type ImplementationSetting = 'auto' | 'external';
export const istioPreference = ['v1', 'v1beta1', 'v1alpha3'] as const;
const gatewayPreference = ['v1', 'v1beta1'] as const;

export interface ApiChoice {
  api: 'istio' | 'gateway-api';
  version: string;
  apiVersion: string;
}

interface Candidate {
  choice?: ApiChoice;
  /** Why this API cannot be used; empty when it can. */
  blockers: string[];
}

function istioCandidate(needs: RoutingNeeds, facts: RoutingFacts, version?: string): Candidate {
  const wanted = version ? [version] : [...istioPreference];
  const served = wanted.find((v) => facts.istio.versions.find((s) => s.version === v)?.kinds.includes('VirtualService'));
  if (!served) {
    return { blockers: [`${istioGroup} ${version ?? '(any of v1, v1beta1, v1alpha3)'} serves no VirtualService`] };
  }
  const blockers: string[] = [];
  const kinds = facts.istio.versions.find((s) => s.version === served)!.kinds;
  if (needs.subsets && !kinds.includes('DestinationRule')) blockers.push(`${istioGroup}/${served} serves no DestinationRule, which subsets need`);
  if (needs.fault && !facts.fields.virtualServiceFault) blockers.push('the served VirtualService schema has no http[].fault');
  if (needs.mirrorPercent && !facts.fields.virtualServiceMirrorPercentage) blockers.push('the served VirtualService schema has no http[].mirrorPercentage');
  for (const resource of ['virtualservices', ...(needs.subsets ? ['destinationrules'] : [])]) {
    if (facts.canPatch[`${resource}.${istioGroup}`] === false) blockers.push(`RBAC: you may not patch ${resource}.${istioGroup}`);
  }
  return { choice: { api: 'istio', version: served, apiVersion: `${istioGroup}/${served}` }, blockers };
}

function gatewayCandidate(needs: RoutingNeeds, facts: RoutingFacts): Candidate {
  const served = gatewayPreference.find((v) => facts.gatewayApi.versions.find((s) => s.version === v)?.kinds.includes('HTTPRoute'));
  if (!served) return { blockers: [`${gatewayGroup} (v1 or v1beta1) serves no HTTPRoute`] };
  const blockers: string[] = [];
  if (needs.fault) blockers.push('fault injection cannot be expressed in an HTTPRoute');
  if (needs.retries && !facts.fields.httpRouteRetry) blockers.push('the served HTTPRoute schema has no rules[].retry (Gateway API v1.2+ experimental channel)');
  if (needs.mirrorPercent && !facts.fields.httpRouteMirrorPercent) blockers.push('the served HTTPRoute schema has no requestMirror.percent');
  if (needs.timeout && !facts.fields.httpRouteTimeouts) blockers.push('the served HTTPRoute schema has no rules[].timeouts');
  if (facts.canPatch[`httproutes.${gatewayGroup}`] === false) blockers.push(`RBAC: you may not patch httproutes.${gatewayGroup}`);
  if (needs.subsets && facts.canPatch.services === false) blockers.push('RBAC: you may not patch services (one Service per subset)');
  return { choice: { api: 'gateway-api', version: served, apiVersion: `${gatewayGroup}/${served}` }, blockers };
}

/** Why no implementation serves a route of this API here; empty when one runs. */
function notRunning(name: string, needs: RoutingNeeds, facts: RoutingFacts): string[] {
  const impl = facts.implementation;
  if (name === 'Istio') {
    return impl.istio.controlPlane ? [] : [`no istiod runs (${impl.istio.detail}): the CRDs alone serve no VirtualService`];
  }
  const gateways = needs.gateways ?? [];
  if (gateways.length > 0) {
    if (gatewayImplementationRunning(impl, gateways, needs.namespace)) return [];
    return gateways.map((ref) => {
      const [namespace, name] = ref.includes('/') ? ref.split('/') as [string, string] : [needs.namespace ?? 'default', ref];
      const gateway = impl.gateways.find((g) => g.namespace === namespace && g.name === name);
      if (!gateway) return `Gateway ${namespace}/${name} (routing.gateways) does not exist`;
      const cls = impl.gatewayClasses.find((c) => c.name === gateway.gatewayClassName);
      if (!cls?.accepted) return `Gateway ${namespace}/${name}: its GatewayClass ${gateway.gatewayClassName} is ${cls ? 'not Accepted' : 'missing'}: no implementation serves it`;
      return `Gateway ${namespace}/${name} is not Programmed: its implementation (${cls.implementation}) does not serve it`;
    });
  }
  if (meshClasses(impl).length > 0) return [];
  const classes = impl.gatewayClasses.map((c) => `${c.name} (${c.implementation})`).join(', ') || 'none';
  return [`a mesh route (no routing.gateways) needs an implementation with mesh support; no GatewayClass publishes a Mesh feature (classes: ${classes})`];
}

export function chooseRoutingApi(
  needs: RoutingNeeds,
  facts: RoutingFacts,
  preference: ApiPreference = 'auto',
  istioVersion?: string,
  /** When given as `auto`, an API whose implementation does not run is never chosen. */
  implementation?: ImplementationSetting,
): ApiChoice {
  const candidates: [string, Candidate][] = [];
  if (preference !== 'gateway-api') candidates.push(['Istio', istioCandidate(needs, facts, istioVersion)]);
  if (preference !== 'istio') candidates.push(['Gateway API', gatewayCandidate(needs, facts)]);
  if (implementation === 'auto') {
    for (const [name, c] of candidates) if (c.choice) c.blockers.push(...notRunning(name, needs, facts));
  }
  // auto: an API whose implementation runs beats one that only has its CRDs installed.
  const running = (name: string) =>
    name === 'Istio'
      ? facts.implementation?.istio.controlPlane === true
      : facts.implementation !== undefined && gatewayImplementationRunning(facts.implementation, needs.gateways ?? [], needs.namespace);
  candidates.sort(([a], [b]) => Number(running(b)) - Number(running(a)));
  const usable = candidates.find(([, c]) => c.choice && c.blockers.length === 0);
  if (usable) return usable[1].choice!;

  const nothingServed = facts.istio.versions.length === 0 && facts.gatewayApi.versions.length === 0;
  if (nothingServed) {
    throw new PreconditionError(`the cluster serves no routing API: neither ${istioGroup} nor ${gatewayGroup} is installed`, {
      hint: 'install Istio (its CRDs) or the Gateway API CRDs, or point cluster.context at a cluster that has them',
    });
  }
  const reasons = candidates.flatMap(([name, c]) => c.blockers.map((b) => `${name}: ${b}`));
  const needsIstio = needs.fault && preference !== 'istio';
  const unserved = implementation === 'auto' && candidates.some(([name, c]) => c.choice && notRunning(name, needs, facts).length > 0);
  throw new PreconditionError(`no routing API the cluster serves can carry this routing:\n  ${reasons.join('\n  ')}`, {
    hint: needsIstio
      ? facts.istio.versions.length > 0 && implementation === 'auto' && notRunning('Istio', needs, facts).length > 0
        ? 'fault injection needs Istio, and no istiod runs here: install Istio, set routing.implementation: external if it runs where shipline cannot see it, or drop `fault` from the rules'
        : 'fault injection needs Istio: install its CRDs, or drop `fault` from the rules'
      : unserved
        ? 'set routing.gateways to a Gateway whose implementation runs (e.g. [shipline-system/shipline] on the local stack), ' +
          'or routing.implementation: external if the mesh runs where shipline cannot see it'
        : 'install or upgrade the routing CRDs named above, or change routing.api / the rules',
  });
}
