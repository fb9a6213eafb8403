// Release history kept in the cluster: one ConfigMap per release of a route, holding
// what was deployed and the manifests that were applied.
import type { KubeClient } from '../adapters/kube.js';
import type { Check } from './analysis-verdict.js';

export type ReleaseState = 'progressing' | 'promoted' | 'aborted' | 'failed';

export interface Release {
  revision: number;
  route: string;
  subset: string;
  image: string;
  strategy: string;
  state: ReleaseState;
  /** The stable subset when the release started (where abort goes back to). */
  previous?: string;
  /** Index into the strategy's states of the step reached. */
  step: number;
  stepLabel: string;
  /** Host port of a version in releases recorded before the pod network (no longer set). */
  port?: number;
  createdAt: string;
  updatedAt: string;
  note?: string;
  /** Set on the release that adopted the user's running Deployment. */
  adopted?: Adoption;
  /** A rollback past the adoption: the original Deployment serves again, as before shipline. */
  restored?: boolean;
  /** The metric gates' deciding check of each step judged, with its evidence (counts per version, test, tolerance). */
  checks?: Check[];
  /** Checks dropped from `checks` (oldest passes first) to keep the record under its size bound. */
  checksOmitted?: number;
  /** Each traffic state the route took, with when it was accepted: the pause and gates of a step run until the next. */
  steps?: StepRecord[];
  /** What the release pipeline built and checked before the rollout (absent for a bare `rollout canary`). */
  provenance?: Provenance;
}

export interface StepRecord {
  label: string;
  /** When the implementation accepted the route of this state (ISO time). */
  at: string;
  /** Weight per version, in percent. */
  split: { subset: string; weight: number }[];
  mirror?: { subset: string; percent: number };
  header?: { name: string; value: string; subset: string };
}

export interface Provenance {
  tag?: string;
  /** The git commit the image was built from. */
  gitRevision?: string;
  platforms?: { platform: string; digest: string }[];
  /** The server's diff of the rendered manifests before the rollout (bounded in size). */
  diff?: string;
  /** Milliseconds per release phase before the rollout (preflight, build, render). */
  phases?: Record<string, number>;
}

export interface Adoption {
  /** The original Deployment, left in place at 0 replicas. */
  deployment: string;
  /** Its replicas when adopted: what a rollback past the adoption restores. */
  replicas: number;
}

export interface StoredRelease {
  release: Release;
  /** Workload and routing manifests at the release's current state (YAML). */
  manifests: string;
}

const routeLabel = 'shipline.dev/route';

export function configMapName(route: string, revision: number): string {
  return `shipline-${route}-r${revision}`.slice(0, 253);
}

export async function listReleases(client: KubeClient, route: string, namespace: string): Promise<StoredRelease[]> {
  const res = await client.request<{ items: { data?: Record<string, string> }[] }>('GET', `/api/v1/namespaces/${namespace}/configmaps`, {
    query: { labelSelector: `${routeLabel}=${route}` },
  });
  return res.body.items
    .flatMap((cm) => (cm.data?.['release.json'] ? [{ release: JSON.parse(cm.data['release.json']) as Release, manifests: cm.data['manifests.yaml'] ?? '' }] : []))
    .sort((a, b) => a.release.revision - b.release.revision);
}

export async function saveRelease(client: KubeClient, namespace: string, stored: StoredRelease, fieldManager: string): Promise<void> {
  const { release } = stored;
  await client.apply(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: configMapName(release.route, release.revision),
        namespace,
        labels: { [routeLabel]: release.route, 'shipline.dev/revision': String(release.revision), 'app.kubernetes.io/managed-by': 'shipline' },
      },
      data: { 'release.json': `${JSON.stringify(release, null, 2)}\n`, 'manifests.yaml': stored.manifests },
    },
    { fieldManager, force: true },
  );
}

export function latestPromoted(history: readonly StoredRelease[]): StoredRelease | undefined {
  return [...history].reverse().find((s) => s.release.state === 'promoted');
}

export function inProgress(history: readonly StoredRelease[]): StoredRelease | undefined {
  return [...history].reverse().find((s) => s.release.state === 'progressing');
}


/**
 * Subsets whose version objects a promotion may delete: all of the history's but the newest
 * `keep` promoted ones (the stable one first) and any still in progress. Pure.
 */
export function versionsToPrune(history: readonly StoredRelease[], keep: number): string[] {
  const kept = new Set<string>();
  for (const { release } of [...history].reverse()) {
    if (release.state === 'progressing') kept.add(release.subset);
  }
  const promoted = new Set<string>();
  for (const { release } of [...history].reverse()) {
    if (release.state !== 'promoted' || promoted.size >= keep) continue;
    promoted.add(release.subset);
  }
  for (const subset of promoted) kept.add(subset);
  return [...new Set(history.map((s) => s.release.subset))].filter((subset) => !kept.has(subset));
}
