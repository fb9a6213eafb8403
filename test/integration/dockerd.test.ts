// dockerode against the stack's real Docker Engine.
import { describe, expect, it } from 'vitest';
import { dockerEngine, engineVersion } from '../../pipelines/adapters/docker.js';

describe('Docker Engine of the local stack', () => {
  it('answers a ping and reports its version', async () => {
    const docker = dockerEngine();
    const pong = await docker.ping();
    expect(pong.toString()).toBe('OK');
    const { version, apiVersion } = await engineVersion(docker);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(apiVersion).toMatch(/^1\.\d+$/);
  });
});
