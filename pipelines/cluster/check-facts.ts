// Asks the cluster what routing it serves: API groups and versions, kinds, optional
// fields of the served CRD schemas, and whether we may patch them.
import type { KubeClient } from '../adapters/kube.js';
import { KubeApiError } from '../adapters/kube-error.js';
import { gatewayGroup, istioGroup } from '../model/api-groups.js';
import { gatherImplementation, type ImplementationFacts } from './implementation.js';


export interface GroupFacts {
  /** Served versions, preferred first, each with the kinds it serves (sorted). */
  versions: { version: string; kinds: string[] }[];
}

export interface RoutingFacts {
  istio: GroupFacts;
  gatewayApi: GroupFacts;
  /** Optional fields present in the served CRD schemas. */
  fields: {
    httpRouteRetry: boolean;
    httpRouteMirrorPercent: boolean;
    httpRouteTimeouts: boolean;
    virtualServiceFault: boolean;
    virtualServiceMirrorPercentage: boolean;
  };
  /** resource (e.g. virtualservices.networking.istio.io) → may patch in the namespace. */
  canPatch: Record<string, boolean>;
  /** What serves the routes: GatewayClasses and Gateways, an Istio control plane. */
  implementation: ImplementationFacts;
}

type Schema = { properties?: Record<string, Schema>; items?: Schema; 'x-kubernetes-preserve-unknown-fields'?: boolean };

/** True when the schema has the property path, or leaves that part open (preserve-unknown-fields). */
export function schemaHas(schema: Schema | undefined, path: readonly string[]): boolean {
  let node = schema;
  for (const key of path) {
    if (!node) return false;
    if (key === '[]') node = node.items;
    else if (node.properties?.[key]) node = node.properties[key];
    else return node['x-kubernetes-preserve-unknown-fields'] === true && !node.properties;
  }
  return node !== undefined;
}

async function groupFacts(client: KubeClient, group: string): Promise<GroupFacts> {
  const apis = await client.request<{ groups: { name: string; versions: { version: string }[]; preferredVersion?: { version: string } }[] }>('GET', '/apis');
  const entry = apis.body.groups.find((g) => g.name === group);
  if (!entry) return { versions: [] };
  const versions = [];
  for (const { version } of entry.versions) {
    // Sorted: discovery lists a group's resources in no fixed order.
    const kinds = [...new Set((await client.resourcesOf(`${group}/${version}`)).map((r) => r.kind))].sort();
    versions.push({ version, kinds });
  }
  return { versions };
}

async function crdSchema(client: KubeClient, name: string, version: string | undefined): Promise<Schema | undefined> {
  if (!version) return undefined;
  try {
    const crd = await client.request<{ spec: { versions: { name: string; schema?: { openAPIV3Schema?: Schema } }[] } }>(
      'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
    );
    return crd.body.spec.versions.find((v) => v.name === version)?.schema?.openAPIV3Schema;
  } catch (error) {
    if (error instanceof KubeApiError && (error.status === 404 || error.status === 403)) return undefined;
    throw error;
  }
}

async function mayPatch(client: KubeClient, group: string, resource: string, namespace: string): Promise<boolean> {
  const review = await client.request<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace, verb: 'patch', group, resource } } },
  });
  return review.body.status?.allowed === true;
}

export async function gatherRoutingFacts(client: KubeClient, namespace: string): Promise<RoutingFacts> {
  const [istio, gatewayApi] = await Promise.all([groupFacts(client, istioGroup), groupFacts(client, gatewayGroup)]);
  const [route, vs] = await Promise.all([
    crdSchema(client, `httproutes.${gatewayGroup}`, gatewayApi.versions.find((v) => v.kinds.includes('HTTPRoute'))?.version),
    crdSchema(client, `virtualservices.${istioGroup}`, istio.versions.find((v) => v.kinds.includes('VirtualService'))?.version),
  ]);
  const rule = ['spec', 'rules', '[]'];
  const http = ['spec', 'http', '[]'];
  const resources: [string, string][] = [
    [istioGroup, 'virtualservices'], [istioGroup, 'destinationrules'], [gatewayGroup, 'httproutes'], ['', 'services'], ['apps', 'deployments'],
  ];
  const [allowed, implementation] = await Promise.all([
    Promise.all(resources.map(([g, r]) => mayPatch(client, g, r, namespace))),
    gatherImplementation(client, gatewayApi.versions.find((v) => v.kinds.includes('GatewayClass'))?.version),
  ]);
  return {
    istio,
    gatewayApi,
    fields: {
      httpRouteRetry: schemaHas(route, [...rule, 'retry']),
      httpRouteMirrorPercent: schemaHas(route, [...rule, 'filters', '[]', 'requestMirror', 'percent']),
      httpRouteTimeouts: schemaHas(route, [...rule, 'timeouts']),
      virtualServiceFault: schemaHas(vs, [...http, 'fault']),
      virtualServiceMirrorPercentage: schemaHas(vs, [...http, 'mirrorPercentage']),
    },
    canPatch: Object.fromEntries(resources.map(([g, r], i) => [g ? `${r}.${g}` : r, allowed[i]!])),
    implementation,
  };
}
