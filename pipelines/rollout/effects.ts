// The cluster changes a rollout makes: apply a traffic state, deploy or scale a
// version, wait for it to be available.
import type { KubeObject } from '../adapters/kube.js';
import { renderRouting } from '../../manifests/render.js';
import { toYaml } from '../../manifests/yaml.js';
import type { IstioVersion } from '../../manifests/istio.js';
import { applyObjects } from '../cluster/apply.js';
import { ExternalError } from '../errors.js';
import { checkInterrupted } from '../interrupt.js';
import { ms } from './config.js';
import type { RolloutContext } from './context.js';
import { intentFor, type RouteState } from './route-states.js';
import { deploymentFor, deploymentName } from './workload.js';

export const subsetLabelsFor = (subset: string) => ({ version: subset });

export function routingObjects(ctx: RolloutContext, state: RouteState): KubeObject[] {
  const subsets = Object.fromEntries(
    [...new Set([...state.split.map((s) => s.subset), state.mirror?.subset, state.header?.subset].filter((s): s is string => !!s))].map((s) => [s, subsetLabelsFor(s)]),
  );
  const intent = intentFor(ctx.intent, state, subsets);
  return renderRouting(intent, { api: ctx.choice.api, istioVersion: ctx.choice.version as IstioVersion, file: ctx.loaded.file });
}

export async function applyRendered(ctx: RolloutContext, objects: KubeObject[], label: string): Promise<void> {
  // Every change is made by the lease's holder only: renewed just before, or no change.
  await ctx.lock?.confirm();
  await applyObjects(
    ctx.client,
    objects.map((object, i) => ({ object, file: label, doc: i + 1 })),
    { fieldManager: ctx.fieldManager, namespace: ctx.namespace },
  );
}

export function workload(ctx: RolloutContext, subset: string, image: string, port: number, replicas = ctx.rollout.workload.replicas): KubeObject {
  return deploymentFor({
    service: ctx.service,
    namespace: ctx.namespace,
    subset,
    image,
    selector: ctx.intent.selector ?? { app: ctx.service },
    subsetLabels: subsetLabelsFor(subset),
    port,
    replicas,
    workload: ctx.rollout.workload,
  });
}

export function manifestsYaml(objects: readonly KubeObject[]): string {
  return toYaml(objects);
}

interface DeploymentStatus {
  metadata: { generation?: number };
  spec: { replicas?: number };
  status?: {
    observedGeneration?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

export async function waitAvailable(ctx: RolloutContext, subset: string): Promise<void> {
  const name = deploymentName(ctx.service, subset);
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ctx.namespace } };
  const timeout = ms(ctx.rollout.availableTimeout);
  const deadline = Date.now() + timeout;
  let last: DeploymentStatus | undefined;
  while (Date.now() < deadline) {
    checkInterrupted(`while waiting for Deployment ${ctx.namespace}/${name} to become available`);
    last = await ctx.client.get<KubeObject & DeploymentStatus>(ref);
    const s = last?.status;
    const want = last?.spec.replicas ?? 1;
    const current = s?.observedGeneration !== undefined && s.observedGeneration >= (last?.metadata.generation ?? 0);
    if (current && (s?.updatedReplicas ?? 0) >= want && (s?.availableReplicas ?? 0) >= want && s?.conditions?.some((c) => c.type === 'Available' && c.status === 'True')) return;
    await ctx.sleep(1000);
  }
  const conditions = last?.status?.conditions?.map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason}: ${c.message ?? ''})` : ''}`).join('; ');
  throw new ExternalError(`Deployment ${ctx.namespace}/${name} did not become available within ${ctx.rollout.availableTimeout}: ${conditions || 'no status (is a controller manager running?)'}`, {
    hint: 'check its pods (image pull, readiness probe on the workload port); traffic was not shifted',
  });
}
