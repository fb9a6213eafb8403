// One version of the service from its workload template: `<deployment>-<subset>` with the
// named container's image replaced by the version's digest and the subset labels added to
// the selector and the pod template; everything else exactly as the user wrote it. An
// autoscaler of the template gets one copy per version, pointing at that version. Pure.
import type { KubeObject } from '../adapters/kube.js';
import type { DeploymentObject } from '../model/workload-objects.js';
import type { WorkloadTemplate } from './template.js';

export interface VersionInputs {
  subset: string;
  /** The version's image, pinned by digest. */
  image: string;
  /** The subset's own labels, e.g. { version: v2 }. */
  subsetLabels: Record<string, string>;
  namespace: string;
  /** Replicas to set (0 scales the version down); default: as the template says. */
  replicas?: number;
}

/** Fields the API server writes; a manifest saved with `kubectl get -o yaml` has them. */
const serverMetadata = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'ownerReferences'];
const serverAnnotations = ['kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision'];

export function versionName(base: string, subset: string): string {
  return `${base}-${subset}`.slice(0, 63).replace(/-+$/, '');
}

function cleanMetadata(metadata: KubeObject['metadata'], name: string, namespace: string, extraLabels: Record<string, string>): KubeObject['metadata'] {
  const out: KubeObject['metadata'] = { ...structuredClone(metadata), name, namespace };
  for (const key of serverMetadata) delete out[key];
  const annotations = { ...((out.annotations as Record<string, string> | undefined) ?? {}) };
  for (const key of serverAnnotations) delete annotations[key];
  if (Object.keys(annotations).length > 0) out.annotations = annotations;
  else delete out.annotations;
  out.labels = { ...((out.labels as Record<string, string> | undefined) ?? {}), ...extraLabels };
  return out;
}

export function deriveDeployment(template: WorkloadTemplate, v: VersionInputs): DeploymentObject {
  const source = template.deployment;
  const name = versionName(source.metadata.name, v.subset);
  const spec = structuredClone(source.spec);
  spec.selector = { ...spec.selector, matchLabels: { ...(spec.selector.matchLabels ?? {}), ...v.subsetLabels } };
  spec.template.metadata = { ...(spec.template.metadata ?? {}), labels: { ...(spec.template.metadata?.labels ?? {}), ...v.subsetLabels } };
  delete spec.template.metadata.creationTimestamp; // null in a Deployment read back from the API
  spec.template.spec.containers = spec.template.spec.containers.map((c) => (c.name === template.container ? { ...c, image: v.image } : c));
  if (v.replicas !== undefined) spec.replicas = v.replicas;
  else if (template.autoscalers.length > 0) delete spec.replicas; // the version's autoscaler owns it
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: cleanMetadata(source.metadata, name, v.namespace, { ...v.subsetLabels, 'app.kubernetes.io/managed-by': 'shipline' }),
    spec,
  };
}

export function deriveAutoscaler(hpa: KubeObject, deploymentName: string, v: VersionInputs): KubeObject {
  const spec = structuredClone(hpa.spec as Record<string, unknown> & { scaleTargetRef: Record<string, unknown> });
  spec.scaleTargetRef = { ...spec.scaleTargetRef, name: deploymentName };
  return {
    apiVersion: hpa.apiVersion,
    kind: hpa.kind,
    metadata: cleanMetadata(hpa.metadata, versionName(hpa.metadata.name, v.subset), v.namespace, { ...v.subsetLabels, 'app.kubernetes.io/managed-by': 'shipline' }),
    spec,
  };
}

/** The version's Deployment, then its autoscalers. */
export function deriveVersion(template: WorkloadTemplate, v: VersionInputs): KubeObject[] {
  const deployment = deriveDeployment(template, v);
  return [deployment, ...template.autoscalers.map((hpa) => deriveAutoscaler(hpa, deployment.metadata.name, v))];
}

/** The label selector of a version's pods, as a query string. */
export function podSelector(deployment: DeploymentObject): string {
  return Object.entries(deployment.spec.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
}
