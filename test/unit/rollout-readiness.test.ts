// Ready, still starting, or failed: the classification of a version's Deployment and pods.
import { describe, expect, it } from 'vitest';
import { classifyVersion, currentPods, type DeploymentState, type PodEvent, type PodState } from '../../pipelines/rollout/readiness.js';

const now = new Date('2024-01-26T12:00:30Z');
const deployment = (status: DeploymentState['status'], replicas = 1): DeploymentState => ({ metadata: { name: 'link-v2', generation: 2 }, spec: { replicas }, status: { observedGeneration: 2, ...status } });
const starting = deployment({ replicas: 1, updatedReplicas: 1, availableReplicas: 0, conditions: [{ type: 'Available', status: 'False' }, { type: 'Progressing', status: 'True', message: 'ReplicaSet "link-v2-abc" is progressing.' }] });
const pod = (status: PodState['status'], spec?: PodState['spec']): PodState => ({ metadata: { name: 'link-v2-abc-xyz' }, spec, status });

describe('classifyVersion', () => {
  it('is available when the Deployment says so for the latest generation and every replica', () => {
    const ok = deployment({ replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, conditions: [{ type: 'Available', status: 'True' }] }, 2);
    expect(classifyVersion(ok, [], [], { now })).toEqual({ state: 'available' });
    // An old generation's status does not count, nor a rollout still replacing old pods.
    expect(classifyVersion({ ...ok, status: { ...ok.status, observedGeneration: 1 } }, [], [], { now }).state).toBe('waiting');
    expect(classifyVersion({ ...ok, status: { ...ok.status, replicas: 3 } }, [], [], { now }).state).toBe('waiting');
    expect(classifyVersion(undefined, [], [], { now })).toEqual({ state: 'waiting', detail: 'the Deployment is not there yet' });
  });

  it('waits while pods start normally', () => {
    const creating = pod({ phase: 'Pending', containerStatuses: [{ name: 'link', state: { waiting: { reason: 'ContainerCreating' } } }] });
    expect(classifyVersion(starting, [creating], [], { now })).toEqual({ state: 'waiting', detail: '0/1 available, 1 updated (ReplicaSet "link-v2-abc" is progressing.)' });
    // A first pull error may be a passing hiccup of the registry.
    const hiccup = pod({ containerStatuses: [{ name: 'link', state: { waiting: { reason: 'ErrImagePull', message: 'dial tcp 127.0.0.1:5000: i/o timeout' } } }] });
    expect(classifyVersion(starting, [hiccup], [], { now }).state).toBe('waiting');
  });

  it('fails at once on an image that does not exist, naming pod, container, reason and message', () => {
    const pull = pod({ containerStatuses: [{ name: 'link', state: { waiting: { reason: 'ErrImagePull', message: 'failed to pull "127.0.0.1:5000/x@sha256:00": not found' } } }] });
    expect(classifyVersion(starting, [pull], [], { now })).toEqual({
      state: 'failed', reason: 'ErrImagePull', message: 'pod link-v2-abc-xyz, container link: ErrImagePull: failed to pull "127.0.0.1:5000/x@sha256:00": not found',
    });
    const backoff = pod({ containerStatuses: [{ name: 'link', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } } }] });
    expect(classifyVersion(starting, [backoff], [], { now })).toMatchObject({ state: 'failed', reason: 'ImagePullBackOff' });
  });

  it('fails when a container exits at start, with its exit code and termination message', () => {
    const exited = pod({ containerStatuses: [{ name: 'link', restartCount: 1, state: { running: { startedAt: '2024-01-26T12:00:29Z' } }, lastState: { terminated: { exitCode: 3, reason: 'Error', message: 'config missing\n' } } }] });
    expect(classifyVersion(starting, [exited], [], { now })).toEqual({ state: 'failed', reason: 'Error', message: 'pod link-v2-abc-xyz, container link: exited with code 3 (Error): config missing' });
    const loop = pod({ containerStatuses: [{ name: 'link', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }] });
    expect(classifyVersion(starting, [loop], [], { now })).toEqual({
      state: 'failed', reason: 'CrashLoopBackOff', message: 'pod link-v2-abc-xyz, container link: CrashLoopBackOff: back-off 20s restarting failed container; last run exited with code 1 (Error)',
    });
    const init = pod({ initContainerStatuses: [{ name: 'migrate', state: { terminated: { exitCode: 0, reason: 'Completed' } } }], containerStatuses: [{ name: 'link', state: { running: { startedAt: '2024-01-26T12:00:29Z' } } }] });
    expect(classifyVersion(starting, [init], [], { now }).state).toBe('waiting');
    const badInit = pod({ initContainerStatuses: [{ name: 'migrate', state: { terminated: { exitCode: 2, reason: 'Error' } } }] });
    expect(classifyVersion(starting, [badInit], [], { now })).toMatchObject({ state: 'failed', message: 'pod link-v2-abc-xyz, init container migrate: exited with code 2 (Error)' });
  });

  it('fails on an unschedulable pod with the scheduler\'s message', () => {
    const pending = pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient memory.' }] });
    expect(classifyVersion(starting, [pending], [], { now })).toEqual({ state: 'failed', reason: 'Unschedulable', message: 'pod link-v2-abc-xyz: Unschedulable: 0/1 nodes are available: 1 Insufficient memory.' });
  });

  it('fails on a readiness probe that keeps failing past its budget, quoting the last probe event', () => {
    const spec = { containers: [{ name: 'link', readinessProbe: { periodSeconds: 2, failureThreshold: 2 } }] };
    const running = (startedAt: string) => pod({ phase: 'Running', containerStatuses: [{ name: 'link', ready: false, state: { running: { startedAt } } }] }, spec);
    const events: PodEvent[] = [
      { pod: 'link-v2-abc-xyz', reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 500', lastTimestamp: '2024-01-26T12:00:20Z' },
      { pod: 'link-v2-abc-xyz', reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 404', lastTimestamp: '2024-01-26T12:00:28Z' },
      { pod: 'other', reason: 'Unhealthy', message: 'Readiness probe failed: x', lastTimestamp: '2024-01-26T12:00:29Z' },
    ];
    // Within 2s × 2 + 5s grace of its start: still waiting.
    expect(classifyVersion(starting, [running('2024-01-26T12:00:22Z')], events, { now }).state).toBe('waiting');
    expect(classifyVersion(starting, [running('2024-01-26T12:00:10Z')], events, { now })).toEqual({
      state: 'failed', reason: 'ReadinessProbeFailed', message: 'pod link-v2-abc-xyz, container link: not ready after 20s: Readiness probe failed: HTTP probe failed with statuscode: 404',
    });
    // No probe event (yet): keep waiting for the Deployment's own deadline.
    expect(classifyVersion(starting, [running('2024-01-26T12:00:10Z')], [], { now }).state).toBe('waiting');
  });

  it('fails when the Deployment passes its progress deadline, and ignores terminating pods', () => {
    const stuck = deployment({ replicas: 1, updatedReplicas: 1, availableReplicas: 0, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "link-v2-abc" has timed out progressing.' }] });
    expect(classifyVersion(stuck, [], [], { now })).toEqual({ state: 'failed', reason: 'ProgressDeadlineExceeded', message: 'Deployment link-v2: ProgressDeadlineExceeded: ReplicaSet "link-v2-abc" has timed out progressing.' });
    const leaving: PodState = { metadata: { name: 'old', deletionTimestamp: '2024-01-26T12:00:00Z' }, status: { containerStatuses: [{ name: 'link', state: { terminated: { exitCode: 137 } } }] } };
    expect(classifyVersion(starting, [leaving], [], { now }).state).toBe('waiting');
  });
});

describe('currentPods', () => {
  it('keeps only the pods of the ReplicaSet of the Deployment\'s latest revision', () => {
    const d: DeploymentState = { metadata: { name: 'link-v2', uid: 'u1', annotations: { 'deployment.kubernetes.io/revision': '2' } }, spec: {} };
    const rs = (hash: string, revision: string, uid = 'u1') => ({ metadata: { labels: { 'pod-template-hash': hash }, annotations: { 'deployment.kubernetes.io/revision': revision }, ownerReferences: [{ uid, controller: true }] } });
    const p = (name: string, hash: string): PodState => ({ metadata: { name, labels: { 'pod-template-hash': hash } } });
    const pods = [p('old', 'aaa'), p('new', 'bbb'), p('other', 'ccc')];
    expect(currentPods(d, [rs('aaa', '1'), rs('bbb', '2'), rs('ccc', '2', 'u2')], pods).map((x) => x.metadata.name)).toEqual(['new']);
    // Before the controller made the new ReplicaSet: no pod speaks for the current template.
    expect(currentPods(d, [rs('aaa', '1')], pods)).toEqual([]);
  });
});
