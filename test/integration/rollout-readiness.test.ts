// Waiting for a version on the stack's real node: pods that cannot start fail the wait
// within seconds, naming pod, container, reason and Kubernetes' last message. Uses the
// stack's musl base image (pinned by digest), so nothing has to be built.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../pipelines/adapters/kube.js';
import { RegistryClient } from '../../pipelines/adapters/registry.js';
import { ExternalError } from '../../pipelines/errors.js';
import { rolloutContext } from '../../pipelines/rollout/context.js';
import { applyRendered, applyShared, waitAvailable, workload } from '../../pipelines/rollout/effects.js';
import { paths, registryAddress } from '../../pipelines/stack/layout.js';
import { installRoutingCrds } from '../support/routing-crds.js';
import { rolloutFixture } from '../../scripts/bench/fixtures/rollout-fixture.js';

const client = KubeClient.load(paths.kubeconfig());
const fixture = rolloutFixture({ availableTimeout: '2m' });
const sample = readFileSync(fixture.manifestFile, 'utf8');
let base = '';

/** The sample manifest with the container's command replaced, as a user might break it. */
function withCommand(command: string[]): void {
  writeFileSync(fixture.manifestFile, sample.replace('          image: 127.0.0.1:5000/modco/link:latest\n', `          image: 127.0.0.1:5000/modco/link:latest\n          command: ${JSON.stringify(command)}\n`));
}

/** Deploys the version as a rollout does (shared objects, then the version) and waits for it. */
async function deployAndWait(subset: string, image: string): Promise<{ error: unknown; seconds: number }> {
  const ctx = await rolloutContext(fixture.loaded(), { kubeconfig: paths.kubeconfig() });
  await applyShared(ctx);
  await applyRendered(ctx, workload(ctx, subset, image), `(workload ${subset})`);
  const started = Date.now();
  const error = await waitAvailable(ctx, subset).then(() => undefined, (e: unknown) => e);
  return { error, seconds: (Date.now() - started) / 1000 };
}

beforeAll(async () => {
  await installRoutingCrds(client);
  const head = await new RegistryClient(registryAddress).manifest('shipline/base', 'musl-1');
  base = `${registryAddress}/shipline/base@${head!.digest}`;
});

afterAll(async () => {
  writeFileSync(fixture.manifestFile, sample);
  await fixture.cleanup(client);
});

describe('waiting for a version on the real node', () => {
  it('fails within seconds on an image that does not exist', async () => {
    const { error, seconds } = await deployAndWait('gone', `${registryAddress}/it/link@sha256:${'0'.repeat(64)}`);
    expect(error).toBeInstanceOf(ExternalError);
    expect((error as Error).message).toMatch(new RegExp(`cannot become available: pod ${fixture.name}-gone-[a-z0-9]+-[a-z0-9]+, container ${fixture.name}: (ErrImagePull|ImagePullBackOff): .*not found`));
    expect(seconds).toBeLessThan(30);
  });

  it('fails within seconds on a container that exits at start, quoting its termination message', async () => {
    withCommand(['/bin/busybox', 'sh', '-c', 'echo config missing > /dev/termination-log; exit 3']);
    const { error, seconds } = await deployAndWait('crash', base);
    expect((error as Error).message).toMatch(new RegExp(`pod ${fixture.name}-crash-[a-z0-9]+-[a-z0-9]+, container ${fixture.name}: exited with code 3 \\(Error\\): config missing$`));
    expect(seconds).toBeLessThan(30);
  });

  it('fails on a readiness probe that keeps failing, quoting the probe', async () => {
    withCommand(['/bin/busybox', 'httpd', '-f', '-p', '8080', '-h', '/tmp']);
    const { error, seconds } = await deployAndWait('unready', base);
    expect((error as Error).message).toMatch(new RegExp(`pod ${fixture.name}-unready-[a-z0-9]+-[a-z0-9]+, container ${fixture.name}: not ready after \\d+s: Readiness probe failed: HTTP probe failed with statuscode: 404`));
    expect(seconds).toBeLessThan(45);
  });
});
