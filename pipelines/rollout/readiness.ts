// Is a version ready, still starting, or failed? Decided from the Deployment's own status
// and its pods (and their probe events), naming the pod, container, reason and the last
// message Kubernetes gives. Pure.

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface DeploymentState {
  metadata: { name: string; generation?: number; uid?: string; annotations?: Record<string, string> };
  spec: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Condition[];
  };
}

interface Terminated {
  exitCode?: number;
  reason?: string;
  message?: string;
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  started?: boolean;
  state?: { waiting?: { reason?: string; message?: string }; running?: { startedAt?: string }; terminated?: Terminated };
  lastState?: { terminated?: Terminated };
}

export interface PodState {
  metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec?: { containers?: { name: string; readinessProbe?: Probe }[] };
  status?: {
    phase?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

interface Probe {
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
}

/** A probe event of a pod (reason Unhealthy), as the kubelet records it. */
export interface PodEvent {
  pod: string;
  reason: string;
  message: string;
  count?: number;
  lastTimestamp?: string;
}

export interface ReplicaSetState {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { uid: string; controller?: boolean }[] };
}

const revisionAnnotation = 'deployment.kubernetes.io/revision';

/**
 * The pods of the Deployment's current ReplicaSet (its latest revision): pods of an earlier
 * template of the same version — e.g. one that crashed before the manifest was fixed — are
 * on their way out and say nothing about the current one.
 */
export function currentPods(deployment: DeploymentState, replicaSets: readonly ReplicaSetState[], pods: readonly PodState[]): PodState[] {
  const revision = deployment.metadata.annotations?.[revisionAnnotation];
  const current = replicaSets.find(
    (rs) => rs.metadata.ownerReferences?.some((o) => o.controller && o.uid === deployment.metadata.uid) && revision !== undefined && rs.metadata.annotations?.[revisionAnnotation] === revision,
  );
  const hash = current?.metadata.labels?.['pod-template-hash'];
  if (hash === undefined) return [];
  return pods.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
}

export type Readiness =
  | { state: 'available' }
  | { state: 'waiting'; detail: string }
  | { state: 'failed'; reason: string; message: string };

/** Waiting reasons that do not go away by themselves. */
const stuckReasons = new Set([
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);
/** ErrImagePull is retried; fail at once only when the registry says the image is not there. */
const missingImage = /not found|manifest unknown|name unknown|unauthorized|denied|no such host/i;

function terminatedText(t: Terminated): string {
  const parts = [`exited with code ${t.exitCode ?? '?'}`];
  if (t.reason) parts.push(`(${t.reason})`);
  let text = parts.join(' ');
  if (t.message?.trim()) text += `: ${t.message.trim()}`;
  return text;
}

function containerFailure(pod: string, c: ContainerStatus, init: boolean): Readiness | undefined {
  const who = `pod ${pod}, ${init ? 'init container' : 'container'} ${c.name}`;
  const waiting = c.state?.waiting;
  const last = c.lastState?.terminated;
  if (waiting?.reason && (stuckReasons.has(waiting.reason) || (waiting.reason === 'ErrImagePull' && missingImage.test(waiting.message ?? '')))) {
    const lastRun = last ? `; last run ${terminatedText(last)}` : '';
    return { state: 'failed', reason: waiting.reason, message: `${who}: ${waiting.reason}: ${waiting.message?.trim() || 'no message'}${lastRun}` };
  }
  // A container of a Deployment's pod never ends on its own: any end is a failure (an init
  // container's end with 0 is its success).
  const ended = c.state?.terminated ?? last;
  if (ended && !(init && ended.exitCode === 0)) {
    return { state: 'failed', reason: ended.reason ?? 'Error', message: `${who}: ${terminatedText(ended)}` };
  }
  return undefined;
}

function probeBudgetMs(probe: Probe | undefined): number {
  const p = { initialDelaySeconds: 0, periodSeconds: 10, failureThreshold: 3, ...probe };
  return (p.initialDelaySeconds + p.periodSeconds * p.failureThreshold) * 1000;
}

/** A running container whose readiness probe keeps failing past its budget. */
function probeFailure(pod: PodState, c: ContainerStatus, events: readonly PodEvent[], now: Date, graceMs: number): Readiness | undefined {
  const startedAt = c.state?.running?.startedAt;
  if (c.ready || !startedAt) return undefined;
  const probe = pod.spec?.containers?.find((x) => x.name === c.name)?.readinessProbe;
  if (!probe) return undefined;
  const runningFor = now.getTime() - Date.parse(startedAt);
  if (runningFor < probeBudgetMs(probe) + graceMs) return undefined;
  const failed = events.filter((e) => e.pod === pod.metadata.name && e.reason === 'Unhealthy' && /^Readiness probe/.test(e.message));
  const last = failed.sort((a, b) => Date.parse(a.lastTimestamp ?? '') - Date.parse(b.lastTimestamp ?? '')).at(-1);
  if (!last) return undefined;
  return {
    state: 'failed',
    reason: 'ReadinessProbeFailed',
    message: `pod ${pod.metadata.name}, container ${c.name}: not ready after ${Math.round(runningFor / 1000)}s: ${last.message.trim()}`,
  };
}

export interface ClassifyOptions {
  now: Date;
  /** Extra time a readiness probe gets beyond initialDelay + period × failureThreshold. */
  probeGraceMs?: number;
}

export function classifyVersion(deployment: DeploymentState | undefined, pods: readonly PodState[], events: readonly PodEvent[], options: ClassifyOptions): Readiness {
  if (!deployment) return { state: 'waiting', detail: 'the Deployment is not there yet' };
  const s = deployment.status ?? {};
  const want = deployment.spec.replicas ?? 1;
  const current = s.observedGeneration !== undefined && s.observedGeneration >= (deployment.metadata.generation ?? 0);
  const available = s.conditions?.find((c) => c.type === 'Available');
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (current && (s.updatedReplicas ?? 0) >= want && (s.availableReplicas ?? 0) >= want && (s.replicas ?? 0) <= want && available?.status === 'True') {
    return { state: 'available' };
  }
  const live = pods.filter((p) => !p.metadata.deletionTimestamp);
  for (const pod of live) {
    for (const c of pod.status?.initContainerStatuses ?? []) {
      const f = containerFailure(pod.metadata.name, c, true);
      if (f) return f;
    }
    for (const c of pod.status?.containerStatuses ?? []) {
      const f = containerFailure(pod.metadata.name, c, false) ?? probeFailure(pod, c, events, options.now, options.probeGraceMs ?? 5000);
      if (f) return f;
    }
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      return { state: 'failed', reason: 'Unschedulable', message: `pod ${pod.metadata.name}: Unschedulable: ${scheduled.message ?? 'no node fits it'}` };
    }
  }
  if (current && progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', reason: 'ProgressDeadlineExceeded', message: `Deployment ${deployment.metadata.name}: ProgressDeadlineExceeded: ${progressing.message ?? ''}`.trim() };
  }
  const detail = current
    ? `${s.availableReplicas ?? 0}/${want} available, ${s.updatedReplicas ?? 0} updated${progressing?.message ? ` (${progressing.message})` : ''}`
    : 'the controller has not seen the latest spec yet';
  return { state: 'waiting', detail };
}
