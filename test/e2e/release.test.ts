// `npm run release` on the embedded default, as a user and as CI run it: the sample
// service built for both platforms, pushed, and rolled out on the local stack's cluster.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../pipelines/adapters/kube.js';
import { platformString, RegistryClient, type ImageIndex } from '../../pipelines/adapters/registry.js';
import { projectRoot } from '../../pipelines/config/load.js';
import type { ReleaseSummary } from '../../pipelines/release/context.js';
import { paths, registryAddress } from '../../pipelines/stack/layout.js';
import { shipline } from '../support/cli.js';
import { installRoutingCrds } from '../support/routing-crds.js';

const client = KubeClient.load(paths.kubeconfig());
const registry = new RegistryClient(registryAddress);
const cwd = mkdtempSync(join(tmpdir(), 'shipline-release-'));
const env = { KUBECONFIG: paths.kubeconfig(), CI: 'true' };

type VirtualService = KubeObject & { spec: { http: { route: { destination: { subset: string }; weight?: number }[]; mirror?: { subset: string }; mirrorPercentage?: { value: number } }[] } };
const vsRef = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'link', namespace: 'default' } };

async function clusterSnapshot(): Promise<string> {
  const list = async (path: string, selector: string) =>
    (await client.request<{ items: KubeObject[] }>('GET', path, { query: { labelSelector: selector } })).body.items
      .map((o) => `${o.kind ?? ''}${o.metadata.name}@${String(o.metadata.resourceVersion)}`).sort();
  const vs = await client.get(vsRef);
  return JSON.stringify({
    deployments: await list('/apis/apps/v1/namespaces/default/deployments', 'app=link'),
    history: await list('/api/v1/namespaces/default/configmaps', 'shipline.dev/route=link'),
    vs: vs?.metadata.resourceVersion ?? null,
    tags: (await registry.tags('modco/link')).sort(),
  });
}

async function finishAnyRollout(): Promise<void> {
  // A previous run may have left a mirror rollout waiting for a decision.
  await shipline(['rollout', 'abort'], { cwd, env });
}

beforeAll(async () => {
  await installRoutingCrds(client);
  await finishAnyRollout();
});

describe('npm run release (embedded default)', () => {
  it('--dry-run prints the plan and changes nothing in the registry or the cluster', async () => {
    const before = await clusterSnapshot();
    const result = await shipline(['release', '--dry-run', '--json'], { cwd, env });
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as ReleaseSummary;
    expect(summary.dryRun).toBe(true);
    expect(summary.commands?.[0]).toContain('docker buildx build --platform linux/amd64,linux/arm64');
    expect(summary.manifests).toEqual(expect.arrayContaining(['DestinationRule/link', 'VirtualService/link']));
    expect(await clusterSnapshot()).toBe(before);
  });

  it('builds both platforms, pushes, rolls out the canary and reports it all as JSON', async () => {
    const result = await shipline(['release', '--json', '--yes'], { cwd, env });
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as ReleaseSummary;
    expect(summary.image).toMatch(new RegExp(`^${registryAddress}/modco/link@sha256:[a-f0-9]{64}$`));
    expect(summary.platforms!.map((p) => p.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(summary.rollout).toMatchObject({ route: 'link', state: 'promoted' });
    expect(summary.timings.total).toBeGreaterThan(0);
    // logs went to stderr, stdout is only the JSON document
    expect(result.stderr).toContain('Build the multi-arch image');

    const index = await registry.manifest<ImageIndex>('modco/link', summary.tag!);
    expect(index!.body.manifests.flatMap((m) => (m.platform ? [platformString(m.platform)] : [])).sort()).toEqual(['linux/amd64', 'linux/arm64']);

    const subset = summary.rollout!.subset;
    const deployment = await client.get<KubeObject & { spec: { template: { spec: { hostNetwork?: boolean; containers: { image: string; env?: unknown[] }[] } } }; status: { availableReplicas?: number } }>({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `link-${subset}`, namespace: 'default' },
    });
    expect(deployment!.spec.template.spec.containers[0]!.image).toBe(summary.image);
    expect(deployment!.status.availableReplicas).toBe(1);
    // Derived from the sample manifest, on the pod network.
    expect(deployment!.spec.template.spec.hostNetwork).toBeUndefined();
    expect(deployment!.spec.template.spec.containers[0]!.env).toContainEqual({ name: 'LINK_GREETING_FILE', value: '/etc/link/greeting.txt' });
    const dr = await client.get<KubeObject & { spec: { subsets: { name: string }[] } }>({ ...vsRef, kind: 'DestinationRule' });
    expect(dr!.spec.subsets.map((s) => s.name)).toContain(subset);
    const vs = await client.get<VirtualService>(vsRef);
    expect(vs!.spec.http.at(-1)!.route).toEqual([expect.objectContaining({ destination: expect.objectContaining({ subset }) })]);
  });

  it('--bundle writes a verified air-gap bundle of the release, and no stray OCI tarball', async () => {
    const result = await shipline(['release', '--yes', '--json', '--bundle'], { cwd, env });
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as ReleaseSummary;
    expect(summary.bundle!.path).toBe(join(cwd, `link_${summary.tag}.bundle.tar`));
    const verified = await shipline(['bundle', 'verify', summary.bundle!.path], { cwd, env });
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.stdout).toContain(summary.image!.split('@')[1]!);
    expect(verified.stdout).toContain('VirtualService/link');
    expect(readdirSync(cwd).filter((f) => f.endsWith('.tar'))).toEqual([`link_${summary.tag}.bundle.tar`]);
    expect(readdirSync(projectRoot).filter((f) => f.endsWith('.tar'))).toEqual([]);
  });

  it('without a TTY prints plain timestamped lines; --strategy mirror mirrors to the new version', async () => {
    const tag = `mirror-${Date.now()}`;
    const result = await shipline(['release', '--yes', '--strategy', 'mirror', '--tag', tag], { cwd, env });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^✔ \[\d{2}:\d{2}:\d{2}\] Preflight: builder, registry, cluster$/m);
    expect(result.stdout).not.toContain('\u001b['); // no cursor movement or colour codes
    expect(result.stdout).toMatch(/rollout +link r\d+ mirror-\d+ progressing: mirror 50% to mirror-\d+/);
    const http = (await client.get<VirtualService>(vsRef))!.spec.http.at(-1)!;
    expect(http.mirror?.subset).toBe(tag);
    expect(http.mirrorPercentage).toEqual({ value: 50 });
    expect(http.route).toHaveLength(1);
    expect(http.route[0]!.destination.subset).not.toBe(tag);
  });

  it('a failure after the build says what was done and how to continue; --skip-build continues', async () => {
    const tag = `again-${Date.now()}`;
    // The mirror rollout above is still waiting for promote/abort: the release must stop at the rollout.
    const blocked = await shipline(['release', '--yes', '--tag', tag], { cwd, env });
    expect(blocked.exitCode).toBe(3);
    expect(blocked.stderr).toContain('has an unfinished rollout');
    expect(blocked.stderr).toMatch(/already done: image 127\.0\.0\.1:5000\/modco\/link:again-\d+ pushed as 127\.0\.0\.1:5000\/modco\/link@sha256:[a-f0-9]{64}/);
    const resume = /--skip-build --image (\S+)/.exec(blocked.stderr)?.[1];
    expect(resume).toBeDefined();

    await finishAnyRollout();
    const resumed = await shipline(['release', '--yes', '--json', '--skip-build', '--image', resume!, '--subset', tag], { cwd, env });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect((JSON.parse(resumed.stdout) as ReleaseSummary).rollout).toMatchObject({ subset: tag, state: 'promoted' });
  });
});
