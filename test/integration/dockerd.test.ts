// dockerode against the stack's real Docker Engine.
import { describe, expect, it } from 'vitest';
import { dockerEngine, enginePings, engineVersion } from '../../pipelines/adapters/docker.js';

describe('Docker Engine of the local stack', () => {
  it('answers a ping and reports its version', async () => {
    expect(await enginePings()).toBe(true);
    const { version, apiVersion, platform } = await engineVersion(await dockerEngine());
    expect(platform).toBe(`linux/${process.arch === 'x64' ? 'amd64' : process.arch}`);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(apiVersion).toMatch(/^1\.\d+$/);
  });
});
