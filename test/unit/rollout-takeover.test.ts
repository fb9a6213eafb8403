// The pure parts of a first release on a setup shipline did not make: which tool syncs an
// object, whether a route can attach to its Gateways, which routing API may be used where
// nothing serves it, and which versions a promotion deletes.
import { describe, expect, it } from 'vitest';
import type { RoutingFacts } from '../../pipelines/cluster/check-facts.js';
import { chooseRoutingApi } from '../../pipelines/cluster/choose-api.js';
import { attachmentProblems, hostFallsUnder } from '../../pipelines/cluster/parent-gateways.js';
import type { RoutingNeeds } from '../../pipelines/cluster/routing-needs.js';
import { PreconditionError } from '../../pipelines/errors.js';
import { versionsToPrune, type StoredRelease } from '../../pipelines/rollout/history.js';
import { forceFor, syncingTool } from '../../pipelines/rollout/takeover.js';
import { undoneError } from '../../pipelines/rollout/undo.js';

const none: RoutingNeeds = { fault: false, mirror: false, mirrorPercent: false, retries: false, timeout: false, subsets: true, gateways: [], namespace: 'default' };
const fields = { httpRouteRetry: true, httpRouteMirrorPercent: true, httpRouteTimeouts: true, virtualServiceFault: true, virtualServiceMirrorPercentage: true };
const istio = { versions: [{ version: 'v1', kinds: ['DestinationRule', 'VirtualService'] }] };
const gatewayApi = { versions: [{ version: 'v1', kinds: ['Gateway', 'GatewayClass', 'HTTPRoute'] }] };
const traefik = { name: 'traefik', controllerName: 'traefik.io/gateway-controller', accepted: true, implementation: 'traefik', supportedFeatures: ['Gateway', 'HTTPRoute'] };
const stackGateway = { namespace: 'shipline-system', name: 'shipline', gatewayClassName: 'traefik', programmed: true, addresses: [], listeners: [] };
function facts(implementation: Partial<RoutingFacts['implementation']> = {}): RoutingFacts {
  return {
    istio, gatewayApi, fields, canPatch: {},
    implementation: { gatewayClasses: [traefik], gateways: [stackGateway], istio: { controlPlane: false, detail: 'no istiod Deployment (app=istiod) found' }, ...implementation },
  };
}
function refusal(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
}

describe('a routing API is used only where its implementation runs (routing.implementation: auto)', () => {
  it('auto never picks Istio for its CRDs alone, nor a mesh route on an implementation without mesh support', () => {
    const error = refusal(() => chooseRoutingApi(none, facts(), 'auto', undefined, 'auto'));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain('Istio: no istiod runs (no istiod Deployment (app=istiod) found): the CRDs alone serve no VirtualService');
    expect(error.message).toContain('Gateway API: a mesh route (no routing.gateways) needs an implementation with mesh support; no GatewayClass publishes a Mesh feature (classes: traefik (traefik))');
    expect((error as PreconditionError).hint).toContain('routing.gateways');
    expect((error as PreconditionError).hint).toContain('routing.implementation: external');
  });

  it('api: istio on CRDs only is refused, unless the implementation is declared external', () => {
    expect(refusal(() => chooseRoutingApi(none, facts(), 'istio', undefined, 'auto')).message).toContain('no istiod runs');
    expect(chooseRoutingApi(none, facts(), 'istio', undefined, 'external').api).toBe('istio');
  });

  it('picks what runs: the Gateway of a running implementation, istiod, or a class with mesh support', () => {
    expect(chooseRoutingApi({ ...none, gateways: ['shipline-system/shipline'] }, facts(), 'auto', undefined, 'auto').api).toBe('gateway-api');
    expect(chooseRoutingApi(none, facts({ istio: { controlPlane: true, detail: 'istiod running' } }), 'auto', undefined, 'auto').api).toBe('istio');
    const mesh = { ...traefik, name: 'mesh', supportedFeatures: ['HTTPRoute', 'Mesh', 'MeshClusterIPMatching'] };
    expect(chooseRoutingApi(none, facts({ gatewayClasses: [mesh] }), 'auto', undefined, 'auto').api).toBe('gateway-api');
    expect(refusal(() => chooseRoutingApi({ ...none, gateways: ['shipline-system/shipline'] }, facts({ gateways: [{ ...stackGateway, programmed: false }] }), 'gateway-api', undefined, 'auto')).message)
      .toContain('Gateway shipline-system/shipline is not Programmed: its implementation (traefik) does not serve it');
    expect(refusal(() => chooseRoutingApi({ ...none, gateways: ['edge/nope'] }, facts(), 'auto', undefined, 'auto')).message).toContain('Gateway edge/nope (routing.gateways) does not exist');
  });
});

describe('a route attaches to its Gateways', () => {
  const route = { namespace: 'shop', namespaceLabels: { team: 'web' }, hosts: ['web.example.com'] };
  it('refuses a missing Gateway, one closed to the route\'s namespace, and a listener hostname that excludes a host', () => {
    expect(attachmentProblems([{ ref: 'edge/public', namespace: 'edge', name: 'public' }], route)).toEqual(['Gateway edge/public (routing.gateways) does not exist']);
    const same = [{ ref: 'edge/public', namespace: 'edge', name: 'public', listeners: [{ name: 'http' }] }];
    expect(attachmentProblems(same, route)[0]).toMatch(/^Gateway edge\/public allows no HTTPRoute from namespace shop \(listeners http: from Same\); set the listener's allowedRoutes\.namespaces/);
    const other = [{ ref: 'edge/public', namespace: 'edge', name: 'public', listeners: [{ name: 'http', hostname: '*.example.org', allowedRoutes: { namespaces: { from: 'All' as const } } }] }];
    expect(attachmentProblems(other, route)).toEqual(['Gateway edge/public: no listener open to the route serves host web.example.com (listener hostnames: http=*.example.org); change routing.hosts or the listener\'s hostname']);
  });

  it('lets it attach through from: All, Same, a namespace selector, and a matching hostname', () => {
    const open = (allowedRoutes: object, hostname?: string) => [{ ref: 'x', namespace: 'edge', name: 'x', listeners: [{ name: 'http', hostname, allowedRoutes }] }];
    expect(attachmentProblems(open({ namespaces: { from: 'All' } }, '*.example.com'), route)).toEqual([]);
    expect(attachmentProblems(open({ namespaces: { from: 'Selector', selector: { matchLabels: { team: 'web' } } } }), route)).toEqual([]);
    expect(attachmentProblems(open({ namespaces: { from: 'Selector', selector: { matchLabels: { team: 'ops' } } } }), route)).toHaveLength(1);
    expect(attachmentProblems(open({}), { ...route, namespace: 'edge' })).toEqual([]);
    expect(attachmentProblems(open({ namespaces: { from: 'All' }, kinds: [{ kind: 'GRPCRoute' }] }), route)).toHaveLength(1);
  });

  it('matches hostnames as Gateway API does', () => {
    expect(hostFallsUnder('a.example.com', '*.example.com')).toBe(true);
    expect(hostFallsUnder('a.b.example.com', '*.example.com')).toBe(true);
    expect(hostFallsUnder('example.com', '*.example.com')).toBe(false);
    expect(hostFallsUnder('a.example.com', 'b.example.com')).toBe(false);
    expect(hostFallsUnder('*.example.com', 'a.example.com')).toBe(true);
    expect(hostFallsUnder('anything.test', undefined)).toBe(true);
  });
});

describe('taking the route over', () => {
  it('forces only the route routing.name declares, unless --force-conflicts', () => {
    const force = forceFor({ route: 'web' });
    const object = (kind: string, name: string) => ({ apiVersion: 'v1', kind, metadata: { name } });
    expect(force(object('HTTPRoute', 'web'))).toBe(true);
    expect(force(object('VirtualService', 'web'))).toBe(true);
    expect(force(object('DestinationRule', 'web'))).toBe(true);
    expect(force(object('Service', 'web'))).toBe(false);
    expect(force(object('HTTPRoute', 'other'))).toBe(false);
    expect(forceFor({ route: 'web', forceConflicts: true })(object('Service', 'web'))).toBe(true);
  });

  it('names the tool that keeps an object in sync', () => {
    const live = (labels: Record<string, string>, annotations: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels, annotations } });
    expect(syncingTool(live({ 'app.kubernetes.io/managed-by': 'Helm' }, { 'meta.helm.sh/release-name': 'shop' }))).toBe('Helm (release shop)');
    expect(syncingTool(live({}, { 'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:default/web' }))).toBe('Argo CD (application shop)');
    expect(syncingTool(live({ 'kustomize.toolkit.fluxcd.io/name': 'apps' }))).toBe('Flux (Kustomization apps)');
    expect(syncingTool(live({ app: 'web' }))).toBeUndefined();
  });
});

describe('rollout.keepVersions', () => {
  const stored = (revision: number, subset: string, state: StoredRelease['release']['state']): StoredRelease => ({
    release: { revision, route: 'web', subset, image: 'x@sha256:0', strategy: 'canary', state, step: 0, stepLabel: '', createdAt: '', updatedAt: '' },
    manifests: '',
  });
  it('keeps the newest promoted versions and any in progress; prunes the rest, aborted ones too', () => {
    const history = [stored(1, 'adopted', 'promoted'), stored(2, 'v1', 'promoted'), stored(3, 'bad', 'aborted'), stored(4, 'v2', 'promoted'), stored(5, 'v3', 'promoted')];
    expect(versionsToPrune(history, 2)).toEqual(['adopted', 'v1', 'bad']);
    expect(versionsToPrune(history, 1)).toEqual(['adopted', 'v1', 'bad', 'v2']);
    expect(versionsToPrune([...history, stored(6, 'v4', 'progressing')], 2)).toEqual(['adopted', 'v1', 'bad']);
    expect(versionsToPrune(history.slice(0, 2), 2)).toEqual([]);
  });
});

describe('the error of a failed first release says what changed', () => {
  it('lists what was undone and kept, and drops a step\'s own "nothing was changed"', () => {
    const refused = new PreconditionError('the API server refused 1 of 2 objects; nothing was changed:\nHTTPRoute/web: denied', { hint: 'fix it' });
    const error = undoneError(refused, { undone: ['Deployment default/web-adopted (created, deleted again)'], kept: ['Service default/web (configured, kept)'], failed: [] }, 'Deployment default/web was not changed and keeps serving');
    expect(error.message).toBe('the API server refused 1 of 2 objects:\nHTTPRoute/web: denied\nundone: Deployment default/web-adopted (created, deleted again)\n' +
      'changed and kept: Service default/web (configured, kept)\nDeployment default/web was not changed and keeps serving');
    expect(error.exitCode).toBe(3);
    expect(error.hint).toBe('fix it');
  });

  it('says "nothing was changed" only when nothing was', () => {
    const error = undoneError(new Error('timeout'), { undone: [], kept: [], failed: [] }, 'Deployment default/web keeps serving');
    expect(error.message).toBe('timeout\nnothing was changed\nDeployment default/web keeps serving');
  });
});
