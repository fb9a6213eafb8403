// `npm run release` on the embedded default, as a user and as CI run it: the sample
// service built for both platforms, pushed, and rolled out on the local stack's cluster.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
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
import { send, shares } from '../../scripts/bench/fixtures/traffic.js';

const client = KubeClient.load(paths.kubeconfig());
const registry = new RegistryClient(registryAddress);
const cwd = mkdtempSync(join(tmpdir(), 'shipline-release-'));
const env = { KUBECONFIG: paths.kubeconfig(), CI: 'true' };

type HTTPRoute = KubeObject & { spec: { rules: { matches?: { headers?: { name: string; value: string }[] }[]; backendRefs: { name: string; weight?: number }[] }[] } };
const routeRef = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'link', namespace: 'default' } };
/** The embedded default's host on the local stack's Gateway (Traefik on 127.0.0.1:18000). */
const host = 'link.example.com';

async function clusterSnapshot(): Promise<string> {
  const list = async (path: string, selector: string) =>
    (await client.request<{ items: KubeObject[] }>('GET', path, { query: { labelSelector: selector } })).body.items
      .map((o) => `${o.kind ?? ''}${o.metadata.name}@${String(o.metadata.resourceVersion)}`).sort();
  const route = await client.get(routeRef);
  return JSON.stringify({
    deployments: await list('/apis/apps/v1/namespaces/default/deployments', 'app=link'),
    history: await list('/api/v1/namespaces/default/configmaps', 'shipline.dev/route=link'),
    route: route?.metadata.resourceVersion ?? null,
    tags: (await registry.tags('modco/link')).sort(),
  });
}

async function finishAnyRollout(): Promise<void> {
  // A previous run may have left a header rollout waiting for a decision.
  await shipline(['rollout', 'abort', '--config', '@sample'], { cwd, env });
}

/** The canary below needs a version to shift from: on a new cluster, the first release of the route goes to 100 % at once. */
async function ensureStableRelease(): Promise<void> {
  const history = await client.request<{ items: KubeObject[] }>('GET', '/api/v1/namespaces/default/configmaps', { query: { labelSelector: 'shipline.dev/route=link' } });
  if (history.body.items.length > 0) return;
  const first = await shipline(['release', '--config', '@sample', '--yes', '--tag', `first-${Date.now()}`], { cwd, env });
  if (first.exitCode !== 0) throw new Error(`the first release of the sample failed (exit ${first.exitCode}):\n${first.stderr}`);
}

beforeAll(async () => {
  await installRoutingCrds(client);
  await finishAnyRollout();
  await ensureStableRelease();
}, 600_000);

describe('npm run release (embedded default)', () => {
  it('--dry-run prints the plan and changes nothing in the registry or the cluster', async () => {
    const before = await clusterSnapshot();
    const result = await shipline(['release', '--config', '@sample', '--dry-run', '--json'], { cwd, env });
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as ReleaseSummary;
    expect(summary.dryRun).toBe(true);
    // The exact commands of the real run: into the sample's folder, then the build.
    expect(summary.commands?.[0]).toBe(`cd ${projectRoot}`);
    expect(summary.commands?.find((c) => c.includes('docker buildx build'))).toContain('docker buildx build --platform linux/amd64,linux/arm64');
    expect(summary.manifests).toEqual(expect.arrayContaining(['HTTPRoute/link', 'Service/link', 'ConfigMap/link-config']));
    expect(summary.routingApi).toBe('gateway.networking.k8s.io/v1');
    expect(await clusterSnapshot()).toBe(before);
  });

  it('builds both platforms, pushes, rolls out the canary and reports it all as JSON (and as an HTML report)', async () => {
    const report = join(cwd, 'release.html');
    const result = await shipline(['release', '--config', '@sample', '--json', '--yes', '--report', report], { cwd, env });
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as ReleaseSummary;
    expect(summary.image).toMatch(new RegExp(`^${registryAddress}/modco/link@sha256:[a-f0-9]{64}$`));
    expect(summary.platforms!.map((p) => p.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(summary.rollout).toMatchObject({ route: 'link', state: 'promoted' });
    expect(summary.timings.total).toBeGreaterThan(0);
    expect(summary.report).toMatchObject({ path: report, revision: summary.rollout!.revision });
    expect(readFileSync(report, 'utf8')).toContain(`<title>link r${summary.rollout!.revision}: ${summary.rollout!.subset} promoted</title>`);
    // logs went to stderr, stdout is only the JSON document
    expect(result.stderr).toContain('Build the multi-arch image');

    const index = await registry.manifest<ImageIndex>('modco/link', summary.tag!);
    const platforms = index!.body.manifests.flatMap((m) => (m.platform ? [platformString(m.platform)] : []));
    // The embedded default attests: beside each platform image, its SBOM and provenance manifest.
    expect(platforms.filter((p) => p !== 'unknown/unknown').sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(platforms.filter((p) => p === 'unknown/unknown')).toHaveLength(2);
    expect(summary.attestations).toMatchObject({ sbom: true, provenance: true });

    const subset = summary.rollout!.subset;
    const deployment = await client.get<KubeObject & { spec: { template: { spec: { hostNetwork?: boolean; containers: { image: string; env?: unknown[] }[] } } }; status: { availableReplicas?: number } }>({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `link-${subset}`, namespace: 'default' },
    });
    expect(deployment!.spec.template.spec.containers[0]!.image).toBe(summary.image);
    expect(deployment!.status.availableReplicas).toBe(1);
    // Derived from the sample manifest, on the pod network.
    expect(deployment!.spec.template.spec.hostNetwork).toBeUndefined();
    expect(deployment!.spec.template.spec.containers[0]!.env).toContainEqual({ name: 'LINK_GREETING_FILE', value: '/etc/link/greeting.txt' });
    const route = await client.get<HTTPRoute>(routeRef);
    expect(route!.spec.rules.at(-1)!.backendRefs).toEqual([expect.objectContaining({ name: `link-${subset}` })]);
    // Through the data plane, every request is answered by the version just released, which
    // says so: it was built with its own tag.
    const answers = await send(200, { host });
    expect(shares(answers)).toEqual({ [summary.tag!]: 100 });
    // The load and the gates judged real requests at each step.
    expect(result.stderr).toMatch(/load: \d+ answers from http:\/\/127\.0\.0\.1:18000\/cgi-bin\/version/);
  });

  it('--bundle writes a verified air-gap bundle of the release, and no stray OCI tarball', async () => {
    const result = await shipline(['release', '--config', '@sample', '--yes', '--json', '--bundle'], { cwd, env });
    expect(result.exitCode, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as ReleaseSummary;
    expect(summary.bundle!.path).toBe(join(cwd, `link_${summary.tag}.bundle.tar`));
    const verified = await shipline(['bundle', 'verify', summary.bundle!.path], { cwd, env });
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.stdout).toContain(summary.image!.split('@')[1]!);
    expect(verified.stdout).toContain('HTTPRoute/link');
    expect(readdirSync(cwd).filter((f) => f.endsWith('.tar'))).toEqual([`link_${summary.tag}.bundle.tar`]);
    expect(readdirSync(projectRoot).filter((f) => f.endsWith('.tar'))).toEqual([]);
  });

  it('--strategy mirror is refused before anything is built or changed: Traefik has no RequestMirror filter', async () => {
    const before = await clusterSnapshot();
    const result = await shipline(['release', '--config', '@sample', '--yes', '--strategy', 'mirror', '--tag', `mirror-${Date.now()}`], { cwd, env });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/does not support HTTPRouteRequestMirror/);
    expect(result.stderr).toContain('rollout.implementationSpecific');
    expect(await clusterSnapshot()).toBe(before);
  });

  it('without a TTY prints plain timestamped lines; --strategy header sends the header to the new version', async () => {
    const tag = `header-${Date.now()}`;
    const result = await shipline(['release', '--config', '@sample', '--yes', '--strategy', 'header', '--tag', tag], { cwd, env });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^✔ \[\d{2}:\d{2}:\d{2}\] Preflight: builder, registry, cluster$/m);
    expect(result.stdout).not.toContain('\u001b['); // no cursor movement or colour codes
    expect(result.stdout).toMatch(/rollout +link r\d+ header-\d+ progressing: header user: premium-user → header-\d+/);
    const rules = (await client.get<HTTPRoute>(routeRef))!.spec.rules;
    expect(rules[0]!.matches).toEqual([expect.objectContaining({ headers: [expect.objectContaining({ name: 'user', value: 'premium-user' })] })]);
    expect(shares(await send(200, { host, headers: { user: 'premium-user' } }))).toEqual({ [tag]: 100 });
    expect(Object.keys(shares(await send(200, { host })))).not.toContain(tag);
  });

  it('a failure after the build says what was done and how to continue; --skip-build continues', async () => {
    const tag = `again-${Date.now()}`;
    // The header rollout above is still waiting for promote/abort: the release must stop at the rollout.
    const blocked = await shipline(['release', '--config', '@sample', '--yes', '--tag', tag], { cwd, env });
    expect(blocked.exitCode).toBe(3);
    expect(blocked.stderr).toContain('has an unfinished rollout');
    expect(blocked.stderr).toMatch(/already done: image 127\.0\.0\.1:5000\/modco\/link:again-\d+ pushed as 127\.0\.0\.1:5000\/modco\/link@sha256:[a-f0-9]{64}/);
    const resume = /--skip-build --image (\S+)/.exec(blocked.stderr)?.[1];
    expect(resume).toBeDefined();

    await finishAnyRollout();
    const resumed = await shipline(['release', '--config', '@sample', '--yes', '--json', '--skip-build', '--image', resume!, '--subset', tag], { cwd, env });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect((JSON.parse(resumed.stdout) as ReleaseSummary).rollout).toMatchObject({ subset: tag, state: 'promoted' });
  });
});
