// Server-side applies the rewritten manifests: preflight (served API versions, a dry run
// of every object) before the first change, then apply in dependency order.
import type { KubeClient, KubeObject } from '../adapters/kube.js';
import { PreconditionError } from '../errors.js';
import type { KubeDoc } from './manifest-docs.js';


const kindOrder = ['Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'Secret', 'ConfigMap', 'Service', 'Deployment', 'StatefulSet', 'DaemonSet'];

/** Pure: namespaces and CRDs first, workloads next, routing (and anything else) last; stable otherwise. */
export function applyOrder<T extends { kind: string }>(objects: readonly T[]): T[] {
  const rank = (o: T) => {
    const i = kindOrder.indexOf(o.kind);
    return i === -1 ? kindOrder.length : i;
  };
  return objects.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i).map(({ o }) => o);
}

export interface ApplyOptions {
  namespace?: string;
  requiredApiVersions: string[];
  fieldManager: string;
  log: (line: string) => void;
}

/** Preflight before any change: API versions served, namespaces filled in, a server-side dry run of every object. */
export async function prepareApply(kube: KubeClient, docs: readonly KubeDoc[], options: ApplyOptions): Promise<KubeObject[]> {
  const served = new Set(await kube.servedGroupVersions());
  const missing = [...new Set([...options.requiredApiVersions, ...docs.map((d) => d.apiVersion)])].filter((v) => !served.has(v));
  if (missing.length > 0) {
    throw new PreconditionError(`the cluster at ${kube.server} does not serve ${missing.join(', ')}`, {
      hint: 'install the CRDs that define them (Istio or Gateway API), or render the manifests for API versions the cluster serves',
    });
  }
  const namespaced = new Map<string, Set<string>>();
  const objects: KubeObject[] = [];
  for (const doc of applyOrder(docs)) {
    if (!namespaced.has(doc.apiVersion)) {
      namespaced.set(doc.apiVersion, new Set((await kube.resourcesOf(doc.apiVersion)).filter((r) => r.namespaced).map((r) => r.kind)));
    }
    const inNamespace = namespaced.get(doc.apiVersion)!.has(doc.kind);
    const metadata = { ...doc.metadata };
    if (inNamespace && !metadata.namespace && options.namespace) metadata.namespace = options.namespace;
    objects.push({ ...doc, metadata } as KubeObject);
  }
  for (const object of objects) await kube.apply(object, { fieldManager: options.fieldManager, force: true, dryRun: true });
  return objects;
}

export async function applyPrepared(kube: KubeClient, objects: readonly KubeObject[], options: ApplyOptions): Promise<string[]> {
  const applied: string[] = [];
  for (const object of objects) {
    await kube.apply(object, { fieldManager: options.fieldManager, force: true });
    const name = `${object.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
    applied.push(name);
    options.log(`applied ${name}`);
  }
  return applied;
}
