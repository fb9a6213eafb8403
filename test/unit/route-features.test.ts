import { describe, expect, it } from 'vitest';
import { featureNames, implementationOf } from '../../pipelines/cluster/implementation.js';
import { missingFeatures, requiredFeatures } from '../../manifests/route-features.js';
import { renderGatewayApi } from '../../manifests/gateway-api.js';
import { parseRouting } from '../../manifests/intent.js';

/** What Traefik v3.6 publishes in its GatewayClass status (core features plus its extended list). */
const traefik36 = ['GRPCRoute', 'Gateway', 'GatewayPort8080', 'HTTPRoute', 'HTTPRouteBackendProtocolH2C', 'HTTPRouteBackendProtocolWebSocket',
  'HTTPRouteDestinationPortMatching', 'HTTPRouteHostRewrite', 'HTTPRouteMethodMatching', 'HTTPRoutePathRedirect', 'HTTPRoutePathRewrite',
  'HTTPRoutePortRedirect', 'HTTPRouteQueryParamMatching', 'HTTPRouteResponseHeaderModification', 'HTTPRouteSchemeRedirect', 'ReferenceGrant', 'TLSRoute'];

function route(rules: Record<string, unknown>) {
  const intent = parseRouting({ name: 'r', hosts: ['r.example.com'], service: 'svc', port: 8080, gateways: ['gw'], subsets: { v1: { version: 'v1' }, v2: { version: 'v2' } }, ...rules }, 'shipline.yaml');
  return renderGatewayApi(intent, 'shipline.yaml').find((o) => o.kind === 'HTTPRoute')!;
}

describe('Gateway API features a route needs', () => {
  it('a weighted canary and header match need core features only', () => {
    const r = route({ rules: [{ match: { headers: { user: { exact: 'premium' } } }, to: [{ subset: 'v2' }] }, { to: [{ subset: 'v1', weight: 80 }, { subset: 'v2', weight: 20 }] }] });
    expect(requiredFeatures(r)).toEqual([]);
    expect(missingFeatures([r], traefik36)).toEqual([]);
  });

  it('names the mirror filter, its percentage and timeouts, with their fields, as Traefik 3.6 lacks them', () => {
    const r = route({ rules: [{ to: [{ subset: 'v1' }], mirror: { subset: 'v2', percent: 50 }, timeout: '2s' }] });
    expect(missingFeatures([r], traefik36)).toEqual([
      { feature: 'HTTPRouteRequestMirror', field: 'spec.rules[0].filters[0]', route: 'r' },
      { feature: 'HTTPRouteRequestPercentageMirror', field: 'spec.rules[0].filters[0].requestMirror', route: 'r' },
      { feature: 'HTTPRouteRequestTimeout', field: 'spec.rules[0].timeouts.request', route: 'r' },
    ]);
  });

  it('refuses nothing when the implementation publishes no feature list', () => {
    const r = route({ rules: [{ to: [{ subset: 'v1' }], mirror: { subset: 'v2' } }] });
    expect(missingFeatures([r], undefined)).toEqual([]);
  });

  it('reads supportedFeatures as names or {name} objects, and names known controllers', () => {
    expect(featureNames([{ name: 'HTTPRoute' }, { name: 'Gateway' }])).toEqual(['Gateway', 'HTTPRoute']);
    expect(featureNames(['HTTPRoute'])).toEqual(['HTTPRoute']);
    expect(featureNames([])).toBeUndefined();
    expect(implementationOf('traefik.io/gateway-controller')).toBe('traefik');
    expect(implementationOf('istio.io/gateway-controller')).toBe('istio');
    expect(implementationOf('example.com/mine')).toBe('example.com/mine');
  });
});
