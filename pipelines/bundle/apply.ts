// Server-side applies the rewritten manifests: preflight (served API versions, a dry run
// of every object) before the first change, then apply in dependency order.
import type { KubeClient, KubeObject } from '../adapters/kube.js';
import { applyObjects } from '../cluster/apply.js';
import type { SourcedObject } from '../cluster/documents.js';
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
  /** Take over fields owned by other managers (`--force-conflicts`), as `shipline apply` does; off by default. */
  forceConflicts: boolean;
  log: (line: string) => void;
}

/** Preflight before any change: API versions served, then a server-side dry run of every object. */
export async function prepareApply(kube: KubeClient, docs: readonly KubeDoc[], options: ApplyOptions): Promise<SourcedObject[]> {
  const served = new Set(await kube.servedGroupVersions());
  const missing = [...new Set([...options.requiredApiVersions, ...docs.map((d) => d.apiVersion)])].filter((v) => !served.has(v));
  if (missing.length > 0) {
    throw new PreconditionError(`the cluster at ${kube.server} does not serve ${missing.join(', ')}`, {
      hint: 'install the CRDs that define them (Istio or Gateway API), or render the manifests for API versions the cluster serves',
    });
  }
  const objects = applyOrder(docs).map((doc, i): SourcedObject => ({ object: doc as KubeObject, file: 'bundle manifests', doc: i + 1 }));
  await applyObjects(kube, objects, { fieldManager: options.fieldManager, namespace: options.namespace ?? 'default', force: options.forceConflicts, dryRun: true });
  return objects;
}

export async function applyPrepared(kube: KubeClient, objects: readonly SourcedObject[], options: ApplyOptions): Promise<string[]> {
  const outcomes = await applyObjects(kube, objects, { fieldManager: options.fieldManager, namespace: options.namespace ?? 'default', force: options.forceConflicts });
  return outcomes.map((o) => {
    const name = `${o.object.object.kind}/${o.namespace ? `${o.namespace}/` : ''}${o.object.object.metadata.name}`;
    options.log(`applied ${name} (${o.action})`);
    return name;
  });
}
