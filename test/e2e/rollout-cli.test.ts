// `shipline rollout` as a user runs it: bad input, an unreachable cluster, status, and a
// rollout killed mid-way that is resumed by running the same command again.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../../pipelines/adapters/process.js';
import { KubeClient } from '../../pipelines/adapters/kube.js';
import { listReleases } from '../../pipelines/rollout/history.js';
import { paths } from '../../pipelines/stack/layout.js';
import { shipline } from '../support/cli.js';
import { installRoutingCrds } from '../support/routing-crds.js';
import { rolloutFixture } from '../../scripts/bench/fixtures/rollout-fixture.js';

const client = KubeClient.load(paths.kubeconfig());
const fixture = rolloutFixture({ steps: [20, 40, 100], pause: '0s', lease: { duration: '3s' } });
const env = { KUBECONFIG: paths.kubeconfig() };
const images: Record<string, string> = {};
const cli = (args: string[]) => shipline(['rollout', ...args, '--config', fixture.configFile], { cwd: fixture.dir, env });

beforeAll(async () => {
  await installRoutingCrds(client);
  for (const v of ['v1', 'v2']) images[v] = await fixture.image(v);
  const first = await cli(['canary', '--image', images.v1!, '--subset', 'v1']);
  expect(first.exitCode, first.stderr).toBe(0);
});

afterAll(async () => {
  await fixture.cleanup(client);
});

describe('shipline rollout: bad input changes nothing', () => {
  it('exits 2 for steps out of order or range, an image without a digest, a bad pause', async () => {
    const before = (await listReleases(client, `link-${fixture.id}`, 'default')).length;
    for (const [args, message] of [
      [['canary', '--image', images.v2!, '--steps', '10,5,100'], '--steps 10,5,100: 5 after 10; steps must increase'],
      [['canary', '--image', images.v2!, '--steps', '150'], '"150" is not a whole percentage between 1 and 100'],
      [['canary', '--image', '127.0.0.1:5000/it/link:v2'], 'not pinned by digest'],
      [['canary', '--image', images.v2!, '--pause', '5 seconds'], '--pause 5 seconds: not a duration'],
    ] as const) {
      const result = await cli([...args]);
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(message);
    }
    expect((await listReleases(client, `link-${fixture.id}`, 'default')).length).toBe(before);
  });

  it('exits 1 naming the address when the cluster cannot be reached', async () => {
    const kubeconfig = join(fixture.dir, 'unreachable.kubeconfig');
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters: [{name: x, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: x, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: x, user: x}}]\n');
    const result = await shipline(['rollout', 'status', '--config', fixture.configFile, '--kubeconfig', kubeconfig], { cwd: fixture.dir });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('cannot reach the Kubernetes API at https://127.0.0.1:1');
  });
});

describe('shipline rollout: killed mid-way, then resumed', () => {
  it('keeps the lease until it expires, then the same command continues from the recorded step', async () => {
    const entry = fileURLToPath(new URL('../../scripts/shipline.mjs', import.meta.url));
    const child = start(['node', entry, 'rollout', 'canary', '--image', images.v2!, '--subset', 'v2', '--pause', '60s', '--config', fixture.configFile], {
      cwd: fixture.dir, env: { ...process.env, ...env }, nothrow: true,
    });
    // Wait until the first step is recorded, then kill the process without warning.
    const route = `link-${fixture.id}`;
    for (let i = 0; i < 240; i++) {
      const current = (await listReleases(client, route, 'default')).at(-1)?.release;
      if (current?.subset === 'v2' && current.stepLabel === 'canary 20% v2') break;
      await sleep(500);
    }
    process.kill(child.pid, 'SIGKILL');
    await child.result;

    const held = await cli(['canary', '--image', images.v2!, '--subset', 'v2']);
    expect(held.exitCode).toBe(3);
    expect(held.stderr).toContain('is held by');

    await sleep(3500);
    const resumed = await cli(['canary', '--image', images.v2!, '--subset', 'v2', '--json']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('resuming the rollout of v2');
    expect(JSON.parse(resumed.stdout)).toMatchObject({ subset: 'v2', state: 'promoted', steps: ['canary 20% v2', 'canary 40% v2', 'canary 100% v2'] });

    const status = await cli(['status']);
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(/release +r\d+ v2 promoted/);
    expect(status.stdout).toContain('weight   rule 0: v2 100%');
  });
});
