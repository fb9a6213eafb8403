import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaHas, type RoutingFacts } from '../../pipelines/cluster/check-facts.js';
import { chooseRoutingApi } from '../../pipelines/cluster/choose-api.js';
import { connect } from '../../pipelines/cluster/connect.js';
import { parseObjects } from '../../pipelines/cluster/documents.js';
import { routingNeeds, type RoutingNeeds } from '../../pipelines/cluster/routing-needs.js';
import { InputError, PreconditionError } from '../../pipelines/errors.js';

const none: RoutingNeeds = { fault: false, mirror: false, mirrorPercent: false, retries: false, timeout: false, subsets: false };
const allFields = { httpRouteRetry: true, httpRouteMirrorPercent: true, httpRouteTimeouts: true, virtualServiceFault: true, virtualServiceMirrorPercentage: true };
const istioKinds = ['VirtualService', 'DestinationRule', 'Gateway'];

const noImplementation = { gatewayClasses: [], gateways: [], istio: { controlPlane: false, detail: 'none' } };
function facts(partial: Partial<RoutingFacts>): RoutingFacts {
  return { istio: { versions: [] }, gatewayApi: { versions: [] }, fields: allFields, canPatch: {}, implementation: noImplementation, ...partial };
}
const istio = { versions: ['v1', 'v1beta1', 'v1alpha3'].map((version) => ({ version, kinds: istioKinds })) };
const gateway = { versions: [{ version: 'v1', kinds: ['HTTPRoute', 'Gateway'] }, { version: 'v1beta1', kinds: ['HTTPRoute'] }] };

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('choosing the routing API', () => {
  it('auto picks the API a running implementation serves over one that only has CRDs', () => {
    const traefik = {
      gatewayClasses: [{ name: 'traefik', controllerName: 'traefik.io/gateway-controller', accepted: true, implementation: 'traefik', supportedFeatures: ['HTTPRoute'] }],
      gateways: [{ namespace: 'shipline-system', name: 'shipline', gatewayClassName: 'traefik', programmed: true, addresses: ['127.0.0.1'], listeners: [] }],
      istio: { controlPlane: false, detail: 'no istiod' },
    };
    const viaGateway = { ...none, gateways: ['shipline-system/shipline'], namespace: 'default' };
    expect(chooseRoutingApi(viaGateway, facts({ istio, gatewayApi: gateway, implementation: traefik })).api).toBe('gateway-api');
    // A mesh route (no Gateway) is not served by a Gateway implementation.
    expect(chooseRoutingApi(none, facts({ istio, gatewayApi: gateway, implementation: traefik })).api).toBe('istio');
    // An accepted class whose Gateway is not Programmed is not running.
    const unprogrammed = { ...traefik, gateways: [{ ...traefik.gateways[0]!, programmed: false }] };
    expect(chooseRoutingApi(viaGateway, facts({ istio, gatewayApi: gateway, implementation: unprogrammed })).api).toBe('istio');
    const istiod = { ...traefik, istio: { controlPlane: true, detail: 'istiod running' } };
    expect(chooseRoutingApi(viaGateway, facts({ istio, gatewayApi: gateway, implementation: istiod })).api).toBe('istio');
  });

  it('prefers Istio v1 when served, and honours an Istio version or API asked for', () => {
    expect(chooseRoutingApi(none, facts({ istio, gatewayApi: gateway }))).toEqual({ api: 'istio', version: 'v1', apiVersion: 'networking.istio.io/v1' });
    expect(chooseRoutingApi(none, facts({ istio, gatewayApi: gateway }), 'auto', 'v1alpha3').version).toBe('v1alpha3');
    expect(chooseRoutingApi(none, facts({ istio, gatewayApi: gateway }), 'gateway-api').apiVersion).toBe('gateway.networking.k8s.io/v1');
  });

  it('falls back to the newest Istio version served, then to Gateway API', () => {
    const old = { versions: [{ version: 'v1alpha3', kinds: istioKinds }] };
    expect(chooseRoutingApi(none, facts({ istio: old })).apiVersion).toBe('networking.istio.io/v1alpha3');
    expect(chooseRoutingApi({ ...none, retries: true }, facts({ gatewayApi: gateway })).api).toBe('gateway-api');
  });

  it('refuses fault injection with only Gateway API (exit 3), naming the reason and the fix', () => {
    const error = thrown(() => chooseRoutingApi({ ...none, fault: true }, facts({ gatewayApi: gateway })));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain('Gateway API: fault injection cannot be expressed in an HTTPRoute');
    expect((error as PreconditionError).hint).toContain('fault injection needs Istio');
  });

  it('refuses when the served HTTPRoute schema lacks a needed field, or RBAC forbids patching', () => {
    const noRetry = facts({ gatewayApi: gateway, fields: { ...allFields, httpRouteRetry: false } });
    expect(thrown(() => chooseRoutingApi({ ...none, retries: true }, noRetry)).message).toContain('no rules[].retry');
    const denied = facts({ istio, canPatch: { 'virtualservices.networking.istio.io': false } });
    expect(thrown(() => chooseRoutingApi(none, denied)).message).toContain('RBAC: you may not patch virtualservices.networking.istio.io');
  });

  it('says so when no routing API is installed at all', () => {
    expect(thrown(() => chooseRoutingApi(none, facts({}))).message).toMatch(/serves no routing API/);
  });
});

describe('routing needs and CRD schemas', () => {
  it('reads what the intent uses', () => {
    const needs = routingNeeds({
      name: 'r', namespace: 'default', hosts: ['example.com'], gateways: [], subsets: { v1: { version: 'v1' } },
      rules: [{ to: [{ subset: 'v1' }], mirror: { subset: 'v1', percent: 50 }, fault: { abort: { percent: 10, status: 500 } } }],
    });
    expect(needs).toEqual({ fault: true, mirror: true, mirrorPercent: true, retries: false, timeout: false, subsets: true, gateways: [], namespace: 'default' });
  });
  it('finds nested properties through arrays, and treats preserve-unknown-fields as open', () => {
    const schema = { properties: { spec: { properties: { rules: { items: { properties: { retry: {} } } } } } } };
    expect(schemaHas(schema, ['spec', 'rules', '[]', 'retry'])).toBe(true);
    expect(schemaHas(schema, ['spec', 'rules', '[]', 'timeouts'])).toBe(false);
    expect(schemaHas({ properties: { spec: { 'x-kubernetes-preserve-unknown-fields': true } } }, ['spec', 'http', '[]', 'fault'])).toBe(true);
  });
});

describe('manifest documents', () => {
  it('keeps file and document numbers, skips empty documents', () => {
    const objects = parseObjects('---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n', 'x.yaml');
    expect(objects.map((o) => [o.object.kind, o.doc])).toEqual([['ConfigMap', 1], ['Secret', 3]]);
  });
  it('rejects documents that are not objects, naming file, document and field', () => {
    expect(() => parseObjects('apiVersion: v1\nkind: ConfigMap\n', 'x.yaml')).toThrow(/x\.yaml: doc 1: not a Kubernetes object, missing metadata\.name/);
    expect(() => parseObjects('a: [\n', 'y.yaml')).toThrow(InputError);
  });
});

describe('the kube context guard', () => {
  it('refuses any context but cluster.context (exit 3)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipline-kc-'));
    const file = join(dir, 'config');
    writeFileSync(file, [
      'apiVersion: v1', 'kind: Config', 'current-context: prod',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: prod, context: {cluster: c, user: u}}, {name: staging, context: {cluster: c, user: u}}]', '',
    ].join('\n'));
    const cluster = { context: 'staging', namespace: 'default', fieldManager: 'shipline', kubeconfig: file };
    const error = thrown(() => connect(cluster));
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain('kube context is "prod"');
    expect(connect(cluster, { context: 'staging' }).currentContext).toBe('staging');
    expect(connect({ ...cluster, context: undefined }).currentContext).toBe('prod');
  });
});

describe('reading manifest files', () => {
  it('refuses a namespace in the file that differs from -n (exit 2), and a missing path', async () => {
    const { readObjects } = await import('../../pipelines/cluster/documents.js');
    const dir = mkdtempSync(join(tmpdir(), 'shipline-docs-'));
    writeFileSync(join(dir, 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: prod}\n');
    expect(() => readObjects([join(dir, 'a.yaml')], 'staging')).toThrow(/a\.yaml: doc 1: metadata\.namespace is prod, but -n asks for staging/);
    expect(readObjects([dir], 'prod')).toHaveLength(1);
    expect(() => readObjects([join(dir, 'nope.yaml')])).toThrow(InputError);
  });
});
