import { describe, expect, it } from 'vitest';
import { explainBuildFailure, failedStep, summarizeBuildFailure } from '../../pipelines/adapters/buildx.js';

// The tail of a real `docker buildx build` (BuildKit v0.34, plain progress) whose RUN failed.
const failedRun = `#5 [linux/amd64 2/2] RUN echo before-fail && exit 3
#5 0.051 before-fail
#5 ERROR: process "/bin/sh -c echo before-fail && exit 3" did not complete successfully: exit code: 3
------
 > [linux/amd64 2/2] RUN echo before-fail && exit 3:
0.051 before-fail
------
Dockerfile.musl:2
--------------------
   1 |     FROM 127.0.0.1:5000/shipline/base:musl-1
   2 | >>> RUN echo before-fail && exit 3
   3 |     
--------------------
ERROR: failed to build: failed to solve: process "/bin/sh -c echo before-fail && exit 3" did not complete successfully: exit code: 3
`;

describe('build failures', () => {
  it('name the failing step, its Dockerfile line and the reason', () => {
    expect(failedStep(failedRun)).toEqual({
      step: '[linux/amd64 2/2] RUN echo before-fail && exit 3',
      where: 'Dockerfile.musl:2',
      reason: 'process "/bin/sh -c echo before-fail && exit 3" did not complete successfully: exit code: 3',
    });
  });

  it('give nothing when no step failed (e.g. buildx itself could not start)', () => {
    expect(failedStep('ERROR: no builder "x" found\n')).toBeUndefined();
  });

  it('explain BuildKit messages whose real cause is elsewhere', () => {
    expect(explainBuildFailure('failed to do request: http: server gave HTTP response to HTTPS client')).toContain('plain HTTP');
    expect(explainBuildFailure('exec /bin/sh: exec format error')).toContain('QEMU');
    expect(explainBuildFailure(failedRun)).toBeUndefined();
  });

  it('summarize a failed step as step, Dockerfile line, reason and a fix naming the line', () => {
    expect(summarizeBuildFailure(failedRun, 'docker buildx build … exited with 1')).toEqual({
      message: [
        'the build failed at step [linux/amd64 2/2] RUN echo before-fail && exit 3',
        '  Dockerfile: Dockerfile.musl:2',
        '  reason: process "/bin/sh -c echo before-fail && exit 3" did not complete successfully: exit code: 3',
      ].join('\n'),
      hint: 'correct the step at Dockerfile.musl:2 (its output is in the build log above), then build again',
    });
  });

  it('summarize a failure before any step with the command and buildx\'s last error', () => {
    expect(summarizeBuildFailure('ERROR: no builder "x" found\n', 'docker buildx build . exited with 1')).toEqual({
      message: 'docker buildx build . exited with 1\n  reason: no builder "x" found',
      hint: undefined,
    });
    expect(summarizeBuildFailure('', 'docker buildx build . was killed by SIGKILL').message).toBe('docker buildx build . was killed by SIGKILL');
  });
});
