// The first release takes over the user's running Deployment (applied earlier with
// kubectl) without losing a request: a stable copy is created and becomes available, the
// route points at it, then the original is scaled to 0 — never deleted. Rolling back past
// the adoption scales the original back up and routes to it as the user's routing says.
import type { KubeObject } from '../adapters/kube.js';
import { renderRouting } from '../../manifests/render.js';
import type { IstioVersion } from '../../manifests/istio.js';
import type { RolloutContext } from './context.js';
import { deriveVersion, podSelector } from './derive.js';
import { applyRendered, manifestsYaml, subsetLabelsFor, waitAvailable, waitDeployment } from './effects.js';
import type { Adoption, Release } from './history.js';
import { PreconditionError } from '../errors.js';
import type { DeploymentObject } from '../model/workload-objects.js';
import type { WorkloadTemplate } from './template.js';
import { pinnedByDigest, pinnedDigest } from '../model/image-ref.js';

/** The subset name of the adopted original's copy. */
export const adoptedSubset = 'adopted';
export const adoptedReplicasAnnotation = 'shipline.dev/adopted-replicas';

export type LiveDeployment = DeploymentObject & { status?: { availableReplicas?: number } };

const ref = (ctx: RolloutContext, name: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ctx.namespace } });

/** The user's Deployment, when it runs and serves and shipline does not manage it yet. */
export async function adoptable(ctx: RolloutContext): Promise<LiveDeployment | undefined> {
  if (ctx.template.source === '(generated)') return undefined;
  const live = await ctx.client.get<LiveDeployment>(ref(ctx, ctx.template.deployment.metadata.name));
  if (!live) return undefined;
  const labels = (live.metadata.labels as Record<string, string> | undefined) ?? {};
  if (labels['app.kubernetes.io/managed-by'] === 'shipline') return undefined;
  if ((live.spec.replicas ?? 1) === 0 || (live.status?.availableReplicas ?? 0) === 0) return undefined;
  return live;
}

/** The image the original runs, pinned by the digest its pods report when they do. */
async function runningImage(ctx: RolloutContext, live: LiveDeployment, container: string): Promise<string> {
  const declared = String(live.spec.template.spec.containers.find((c) => c.name === container)?.image ?? '');
  if (pinnedDigest(declared) !== undefined) return declared;
  const pods = await ctx.client.request<{ items: { status?: { containerStatuses?: { name: string; imageID?: string }[] } }[] }>(
    'GET', `/api/v1/namespaces/${ctx.namespace}/pods`, { query: { labelSelector: podSelector(live) } },
  );
  const id = pods.body.items.flatMap((p) => p.status?.containerStatuses ?? []).find((c) => c.name === container)?.imageID ?? '';
  return pinnedImage(declared, id);
}

/** `repo:tag` and the pod's imageID `repo@sha256:…` → `repo@sha256:…`; the declared image when the ID has no digest. */
export function pinnedImage(declared: string, imageID: string): string {
  const digest = pinnedDigest(imageID);
  return digest ? pinnedByDigest(declared, digest) : declared;
}

async function scale(ctx: RolloutContext, name: string, replicas: number, annotation: string | null): Promise<void> {
  const path = `/apis/apps/v1/namespaces/${ctx.namespace}/deployments/${encodeURIComponent(name)}`;
  await ctx.client.request('PATCH', path, {
    body: { metadata: { annotations: { [adoptedReplicasAnnotation]: annotation } } },
    contentType: 'application/merge-patch+json',
  });
  await ctx.client.request('PATCH', `${path}/scale`, { body: { spec: { replicas } }, contentType: 'application/merge-patch+json' });
}

export interface AdoptedCopy {
  objects: KubeObject[];
  image: string;
  adoption: Adoption;
}

/** The stable copy of the running original: its Deployment (and autoscalers) as the version `adopted`. */
export function adoptedObjects(ctx: RolloutContext, live: LiveDeployment, image: string): KubeObject[] {
  const template: WorkloadTemplate = { ...ctx.template, deployment: live };
  return deriveVersion(template, { subset: adoptedSubset, image, subsetLabels: subsetLabelsFor(adoptedSubset), namespace: ctx.namespace, replicas: live.spec.replicas });
}

/** Creates the stable copy of the running original and waits until it is available. */
export async function copyOriginal(ctx: RolloutContext, live: LiveDeployment): Promise<AdoptedCopy> {
  const image = await runningImage(ctx, live, ctx.template.container);
  const objects = adoptedObjects(ctx, live, image);
  await applyRendered(ctx, objects, `(adopted copy of Deployment ${live.metadata.name})`);
  ctx.log(`adopting Deployment ${live.metadata.name}: copy ${objects[0]!.metadata.name} applied, waiting until available`);
  await waitAvailable(ctx, adoptedSubset);
  return { objects, image, adoption: { deployment: live.metadata.name, replicas: live.spec.replicas ?? 1 } };
}

/** The last step of an adoption, once the route points at the copy: the original to 0. */
export async function retireOriginal(ctx: RolloutContext, adoption: Adoption): Promise<void> {
  await scale(ctx, adoption.deployment, 0, String(adoption.replicas));
  ctx.log(`adopted Deployment ${adoption.deployment}: scaled to 0 (kept; a rollback past this release restores it)`);
}

export function adoptedManifests(copy: AdoptedCopy): string {
  return manifestsYaml(copy.objects);
}

/** Rollback past the adoption: the original back at its replicas, the route as the user wrote it. */
export async function restoreOriginal(ctx: RolloutContext, target: Release & { adopted: Adoption }): Promise<string> {
  const { deployment, replicas } = target.adopted;
  const live = await ctx.client.get<LiveDeployment>(ref(ctx, deployment));
  if (!live) throw new PreconditionError(`the adopted Deployment ${ctx.namespace}/${deployment} is gone; nothing to restore`, { hint: 're-apply it with kubectl, or roll out a version instead' });
  await scale(ctx, deployment, replicas, null);
  ctx.log(`Deployment ${deployment}: scaled back to ${replicas}, waiting until available`);
  await waitDeployment(ctx, deployment, podSelector(live));
  const objects = renderRouting(ctx.intent, { api: ctx.choice.api, istioVersion: ctx.choice.version as IstioVersion, file: ctx.loaded.file, positions: ctx.loaded.positions });
  await applyRendered(ctx, objects, '(route as configured)');
  ctx.log(`route ${ctx.route}: as configured, to the original Deployment ${deployment}`);
  return manifestsYaml(objects);
}
