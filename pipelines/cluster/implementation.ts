// Which implementation serves the routes, not just which CRDs exist: the GatewayClasses
// with their controller, Accepted condition and published supportedFeatures, the
// Gateways a route attaches to, and whether an Istio control plane runs.
import type { KubeClient, KubeObject } from '../adapters/kube.js';
import { KubeApiError } from '../adapters/kube-error.js';
import { gatewayGroup } from '../model/api-groups.js';

interface Condition { type: string; status: string; reason?: string; message?: string }

export interface GatewayClassFacts {
  name: string;
  controllerName: string;
  accepted: boolean;
  acceptedReason?: string;
  /** As published in status.supportedFeatures; undefined when the implementation publishes none. */
  supportedFeatures?: string[];
  /** A short name for known implementations (traefik, istio, envoy-gateway, …). */
  implementation: string;
}

export interface GatewayFacts {
  namespace: string;
  name: string;
  gatewayClassName: string;
  programmed: boolean;
  addresses: string[];
  listeners: { name: string; port: number; protocol: string }[];
}

export interface ImplementationFacts {
  gatewayClasses: GatewayClassFacts[];
  gateways: GatewayFacts[];
  istio: { controlPlane: boolean; detail: string };
}

const known: [RegExp, string][] = [
  [/^traefik\.io\//, 'traefik'],
  [/^istio\.io\//, 'istio'],
  [/^gateway\.envoyproxy\.io\//, 'envoy-gateway'],
  [/^gateway\.nginx\.org\//, 'nginx-gateway-fabric'],
  [/cilium/, 'cilium'],
  [/^konghq\.com\//, 'kong'],
];

export function implementationOf(controllerName: string): string {
  return known.find(([pattern]) => pattern.test(controllerName))?.[1] ?? controllerName;
}

/** supportedFeatures is a list of names in older versions and of {name} since v1.2. */
export function featureNames(raw: unknown): string[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  return raw.map((f: unknown) => (typeof f === 'string' ? f : String((f as { name?: string }).name ?? ''))).filter(Boolean).sort();
}

async function list<T>(client: KubeClient, path: string): Promise<T[]> {
  try {
    return (await client.request<{ items: T[] }>('GET', path)).body.items;
  } catch (error) {
    if (error instanceof KubeApiError && (error.status === 404 || error.status === 403)) return [];
    throw error;
  }
}

type GatewayClassObject = KubeObject & { spec: { controllerName: string }; status?: { conditions?: Condition[]; supportedFeatures?: unknown } };
type GatewayObject = KubeObject & {
  spec: { gatewayClassName: string; listeners?: { name: string; port: number; protocol: string }[] };
  status?: { conditions?: Condition[]; addresses?: { value: string }[] };
};

export async function gatherImplementation(client: KubeClient, gatewayVersion: string | undefined): Promise<ImplementationFacts> {
  const base = gatewayVersion ? `/apis/${gatewayGroup}/${gatewayVersion}` : undefined;
  const [classes, gateways, istiod] = await Promise.all([
    base ? list<GatewayClassObject>(client, `${base}/gatewayclasses`) : Promise.resolve([]),
    base ? list<GatewayObject>(client, `${base}/gateways`) : Promise.resolve([]),
    list<KubeObject & { status?: { availableReplicas?: number } }>(client, '/apis/apps/v1/deployments?labelSelector=app%3Distiod'),
  ]);
  const runningIstiod = istiod.filter((d) => (d.status?.availableReplicas ?? 0) > 0);
  return {
    gatewayClasses: classes.map((c) => {
      const accepted = c.status?.conditions?.find((x) => x.type === 'Accepted');
      return {
        name: c.metadata.name,
        controllerName: c.spec.controllerName,
        accepted: accepted?.status === 'True',
        acceptedReason: accepted ? `${accepted.reason ?? ''}${accepted.message ? `: ${accepted.message}` : ''}` : undefined,
        supportedFeatures: featureNames(c.status?.supportedFeatures),
        implementation: implementationOf(c.spec.controllerName),
      };
    }).sort((a, b) => a.name.localeCompare(b.name)),
    gateways: gateways.map((g) => ({
      namespace: g.metadata.namespace ?? 'default',
      name: g.metadata.name,
      gatewayClassName: g.spec.gatewayClassName,
      programmed: g.status?.conditions?.some((c) => c.type === 'Programmed' && c.status === 'True') ?? false,
      addresses: (g.status?.addresses ?? []).map((a) => a.value),
      // Only the fields the facts promise: the raw listener carries allowedRoutes, tls, hostname…
      listeners: (g.spec.listeners ?? []).map(({ name, port, protocol }) => ({ name, port, protocol })),
    })).sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`)),
    istio: runningIstiod.length > 0
      ? { controlPlane: true, detail: `istiod running (${runningIstiod.map((d) => `${d.metadata.namespace}/${d.metadata.name}`).join(', ')})` }
      : { controlPlane: false, detail: istiod.length > 0 ? 'istiod deployed but not available' : 'no istiod Deployment (app=istiod) found' },
  };
}

/** The GatewayClass that serves the Gateways a route attaches to (routing.gateways). */
export function classForGateways(facts: ImplementationFacts, gateways: readonly string[], routeNamespace: string): GatewayClassFacts | undefined {
  for (const ref of gateways) {
    const [namespace, name] = ref.includes('/') ? ref.split('/') as [string, string] : [routeNamespace, ref];
    const gateway = facts.gateways.find((g) => g.namespace === namespace && g.name === name);
    const cls = gateway && facts.gatewayClasses.find((c) => c.name === gateway.gatewayClassName);
    if (cls) return cls;
  }
  return undefined;
}

/**
 * Whether a Gateway API implementation serves the route: one of its Gateways is
 * Programmed and its GatewayClass Accepted. A mesh route (no Gateway) has none here.
 */
export function gatewayImplementationRunning(facts: ImplementationFacts, gateways: readonly string[], routeNamespace = 'default'): boolean {
  return gateways.some((ref) => {
    const [namespace, name] = ref.includes('/') ? ref.split('/') as [string, string] : [routeNamespace, ref];
    const gateway = facts.gateways.find((g) => g.namespace === namespace && g.name === name);
    return gateway?.programmed === true && facts.gatewayClasses.some((c) => c.name === gateway.gatewayClassName && c.accepted);
  });
}

/**
 * Accepted GatewayClasses whose implementation routes mesh (GAMMA) traffic: HTTPRoutes
 * whose parent is a Service. Gateway API names those features Mesh, MeshClusterIPMatching, ….
 */
export function meshClasses(facts: ImplementationFacts): GatewayClassFacts[] {
  return facts.gatewayClasses.filter((c) => c.accepted && (c.supportedFeatures ?? []).some((f) => f === 'Mesh' || f.startsWith('Mesh')));
}
