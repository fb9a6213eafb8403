import { describe, expect, it } from 'vitest';
import { routeAcceptance, type RouteObject } from '../../pipelines/rollout/route-acceptance.js';
import { withTraefikMirroring } from '../../manifests/traefik-mirror.js';

function route(generation: number, conditions: { type: string; status: string; reason?: string; message?: string; observedGeneration?: number }[] | undefined): RouteObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'link', namespace: 'default', generation },
    spec: { parentRefs: [{ name: 'shipline', namespace: 'shipline-system' }] },
    status: conditions ? { parents: [{ parentRef: { name: 'shipline', namespace: 'shipline-system' }, controllerName: 'traefik.io/gateway-controller', conditions }] } : undefined,
  };
}
const ok = (g: number) => [{ type: 'Accepted', status: 'True', observedGeneration: g }, { type: 'ResolvedRefs', status: 'True', observedGeneration: g }];

describe('route acceptance', () => {
  it('is accepted only when both conditions are True for the current generation', () => {
    expect(routeAcceptance(route(3, ok(3)))).toEqual({ state: 'accepted' });
    expect(routeAcceptance(route(4, ok(3)))).toMatchObject({ state: 'pending', detail: expect.stringContaining('Accepted not reported for generation 4') });
  });

  it('waits while no implementation has written a status', () => {
    expect(routeAcceptance(route(1, undefined))).toMatchObject({ state: 'pending', detail: expect.stringContaining('no status yet') });
  });

  it('reports a condition False for this generation with its reason and message', () => {
    const rejected = route(2, [{ type: 'Accepted', status: 'True', observedGeneration: 2 }, { type: 'ResolvedRefs', status: 'False', reason: 'BackendNotFound', message: 'service default/link-v9 not found', observedGeneration: 2 }]);
    expect(routeAcceptance(rejected)).toEqual({ state: 'rejected', parent: 'shipline-system/shipline', condition: 'ResolvedRefs', reason: 'BackendNotFound', message: 'service default/link-v9 not found' });
    // A False of an older generation is stale: still waiting.
    const stale = route(3, [{ type: 'Accepted', status: 'False', observedGeneration: 2 }, { type: 'ResolvedRefs', status: 'True', observedGeneration: 3 }]);
    expect(routeAcceptance(stale).state).toBe('pending');
  });
});

describe('TraefikService mirroring', () => {
  it('turns a mirroring rule into a TraefikService backend and leaves other rules alone', () => {
    const objects = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'link-v1', namespace: 'ns' } },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'link', namespace: 'ns' },
        spec: {
          rules: [
            { matches: [{ headers: [{ name: 'user', value: 'x' }] }], backendRefs: [{ name: 'link-v2', port: 8080 }] },
            { backendRefs: [{ name: 'link-v1', port: 8080 }], filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'link-v2', port: 8080 }, percent: 50 } }] },
          ],
        },
      },
    ];
    const out = withTraefikMirroring(objects);
    expect(out.map((o) => o.kind)).toEqual(['Service', 'TraefikService', 'HTTPRoute']);
    expect(out[1]).toEqual({
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'TraefikService',
      metadata: { name: 'link-mirror-1', namespace: 'ns' },
      spec: { mirroring: { name: 'link-v1', port: 8080, mirrors: [{ name: 'link-v2', port: 8080, percent: 50 }] } },
    });
    const rules = (out[2]!.spec as { rules: unknown[] }).rules;
    expect(rules[0]).toEqual(objects[1]!.spec!.rules[0]);
    expect(rules[1]).toEqual({ backendRefs: [{ group: 'traefik.io', kind: 'TraefikService', name: 'link-mirror-1' }], filters: undefined });
  });
});
