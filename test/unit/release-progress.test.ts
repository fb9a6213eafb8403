import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../pipelines/adapters/kube.js';
import { describeError, exitCodeOf, PreconditionError } from '../../pipelines/errors.js';
import type { ReleaseState } from '../../pipelines/release/context.js';
import { withProgress } from '../../pipelines/release/steps.js';

const image = '127.0.0.1:5000/modco/link@sha256:' + 'a'.repeat(64);

function stateAfterBuild(): ReleaseState {
  return { options: { dryRun: false, yes: true, skipBuild: false }, warnings: [], timings: {}, done: [`image x pushed as ${image}`], image };
}

describe('withProgress: a failure after the build keeps its message, exit code and the resume hint', () => {
  it('a Kubernetes error in the roll-out step', () => {
    const original = new KubeApiError(422, 'Invalid', 'PATCH /apis/apps/v1/namespaces/x/deployments/y: 422 spec.replicas: Invalid value');
    const wrapped = withProgress(original, stateAfterBuild(), 'Roll out (canary)');
    const text = describeError(wrapped);
    expect(text).toContain('Roll out (canary): PATCH /apis/apps/v1/namespaces/x/deployments/y: 422 spec.replicas: Invalid value');
    expect(text).toContain('already done: image x pushed as');
    expect(text).toContain(`--skip-build --image ${image}`);
    expect(exitCodeOf(wrapped)).toBe(1);
    expect((wrapped as Error).cause).toBe(original);
  });

  it('keeps a precondition exit code and its hint', () => {
    const wrapped = withProgress(new PreconditionError('lease held by someone', { hint: 'wait' }), stateAfterBuild(), 'Roll out (canary)');
    expect(exitCodeOf(wrapped)).toBe(3);
    expect(describeError(wrapped)).toMatch(/lease held by someone[\s\S]*fix: wait Continue with/);
  });
});
