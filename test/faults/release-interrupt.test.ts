// Ctrl-C (SIGINT to the terminal's process group, so buildx gets it too) during the build
// step of `release`: exit 130, no partial OCI tarball, nothing applied to the cluster, and
// the message says which step it stopped in.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../pipelines/adapters/kube.js';
import { listReleases } from '../../pipelines/rollout/history.js';
import { baseImageRef, paths } from '../../pipelines/stack/layout.js';
import { parse, stringify } from 'yaml';
import { installRoutingCrds } from '../support/routing-crds.js';
import { rolloutFixture } from '../../scripts/bench/fixtures/rollout-fixture.js';
import { TestProcess } from './support/test-process.js';

const client = KubeClient.load(paths.kubeconfig());
const fixture = rolloutFixture({ steps: [100] });

beforeAll(async () => {
  await installRoutingCrds(client);
  // A build that takes a while (and is never cached), so that Ctrl-C lands in its middle.
  writeFileSync(join(fixture.dir, 'Dockerfile.slow'), `FROM ${baseImageRef}\nARG NONCE\nRUN echo "$NONCE" > /nonce && sleep 60\n`);
  const config = parse(readFileSync(fixture.configFile, 'utf8')) as { image: Record<string, unknown>; output?: unknown };
  config.image = { ...config.image, dockerfile: join(fixture.dir, 'Dockerfile.slow'), context: fixture.dir, platforms: ['linux/amd64'], buildArgs: { NONCE: `${fixture.id}-${Date.now()}` } };
  config.output = { push: true, oci: 'link_{tag}.tar' };
  writeFileSync(fixture.configFile, stringify(config));
});
afterAll(async () => {
  await fixture.cleanup(client);
});

describe('Ctrl-C during release', () => {
  it('in the build step: exit 130, no partial tarball, nothing applied, the message names the step', async () => {
    let output = '';
    // The door starts it in its own process group, as a terminal's foreground job.
    const child = TestProcess.start([process.execPath, join(process.cwd(), 'scripts', 'shipline.mjs'), 'release', '--yes', '--config', fixture.configFile, '--tag', `int-${fixture.id}`], {
      cwd: fixture.dir,
      env: { ...process.env, KUBECONFIG: paths.kubeconfig(), CI: 'true' },
      onStdout: (c) => (output += c),
      onStderr: (c) => (output += c),
    });
    const exited = child.result.then((res) => res.exitCode);
    const deadline = Date.now() + 300_000;
    while (!/sleep 60/.test(output)) {
      if (Date.now() > deadline || !child.running) throw new Error(`the build never started: ${output}`);
      await sleep(50);
    }
    process.kill(-child.pid, 'SIGINT');
    const code = await exited;
    expect(code, output).toBe(130);
    expect(output).toContain('interrupted during "Build the multi-arch image"');
    expect(readdirSync(fixture.dir).filter((n) => n.endsWith('.tar') || n.endsWith('.partial'))).toEqual([]);
    expect(existsSync(join(fixture.dir, `link_int-${fixture.id}.tar`))).toBe(false);
    expect(await listReleases(client, `link-${fixture.id}`, 'default')).toEqual([]);
    const deployments = await client.request<{ items: unknown[] }>('GET', '/apis/apps/v1/namespaces/default/deployments', { query: { labelSelector: `app=link-${fixture.id}` } });
    expect(deployments.body.items).toEqual([]);
  });
});
