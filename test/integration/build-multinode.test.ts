// builder.nodes: one buildx builder with a node per platform, each its own real
// buildkitd (the stack's on :1234, a second one this test starts on :1235).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectBuilder } from '../../pipelines/adapters/buildx.js';
import { run, start, type RunningProcess } from '../../pipelines/adapters/process.js';
import { build } from '../../pipelines/build/run.js';
import { loadConfig } from '../../pipelines/config/load.js';
import { paths } from '../../pipelines/stack/layout.js';
import { buildkitdConfig } from '../../pipelines/stack/parts/buildkitd.js';
import { buildFixture } from '../support/build-fixture.js';

const second = 'tcp://127.0.0.1:1235';
const builderName = `shipline-multi-${randomBytes(3).toString('hex')}`;
let daemon: RunningProcess;
let state: string;

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'shipline-buildkitd2-'));
  writeFileSync(join(state, 'buildkitd.toml'), buildkitdConfig(join(state, 'root'), second));
  daemon = start([paths.buildkitd(), `--config=${join(state, 'buildkitd.toml')}`], { nothrow: true });
  for (let i = 0; i < 100; i++) {
    const ready = await run([paths.buildctl(), '--addr', second, 'debug', 'workers'], { nothrow: true });
    if (ready.exitCode === 0) return;
    await sleep(200);
  }
  throw new Error('the second buildkitd did not start');
});

async function totalUsage(): Promise<string | undefined> {
  return /Total:\s*(\S+)/.exec((await run([paths.buildctl(), '--addr', second, 'du'])).stdout)?.[1];
}

afterAll(async () => {
  await run(['docker', 'buildx', 'rm', builderName], { nothrow: true });
  await daemon.kill(15_000);
  await daemon.result;
  rmSync(state, { recursive: true, force: true });
});

describe('multi-node builders', () => {
  it('creates one builder with a node per platform and builds each platform on its node', async () => {
    expect(await totalUsage()).toMatch(/^0(\.0+)?B$/);
    const path = `it/multinode-${randomBytes(4).toString('hex')}`;
    const fixture = buildFixture(path, {
      builder: {
        name: builderName,
        nodes: [
          { endpoint: 'tcp://127.0.0.1:1234', platforms: ['linux/amd64'] },
          { endpoint: second, platforms: ['linux/arm64'] },
        ],
      },
      output: { push: true },
    });
    const result = await build({ loaded: loadConfig(fixture.configFile), clock: new Date('2024-01-26T00:00:00Z'), tag: 'multi' });
    expect(result.builderCommands.map((c) => c.slice(0, 4))).toEqual([
      ['docker', 'buildx', 'create', '--name'],
      ['docker', 'buildx', 'create', '--append'],
    ]);
    const info = await inspectBuilder(builderName);
    expect(info?.nodes.map((n) => [n.endpoint, n.status])).toEqual([
      ['tcp://127.0.0.1:1234', 'running'],
      [second, 'running'],
    ]);
    expect(result.platforms!.map((p) => p.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    // The arm64 half ran on the second daemon, which started empty: it now holds cache.
    expect(await totalUsage()).not.toMatch(/^0(\.0+)?B$/);

    const again = await build({ loaded: loadConfig(fixture.configFile), clock: new Date('2024-01-26T00:00:00Z'), tag: 'multi-2' });
    expect(again.builderCommands).toEqual([]);
  });
});
