// `shipline rollout` on the user's own manifest, as a user runs it against the stack's
// real node: adoption of a Deployment applied with kubectl under continuous traffic, each
// version's pod template kept byte for byte, fast failures naming the pod's reason with the
// route untouched, rollback past the adoption, and bad manifests refused (exit 2).
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../pipelines/adapters/kube.js';
import { run } from '../../pipelines/adapters/process.js';
import { listReleases } from '../../pipelines/rollout/history.js';
import type { DeploymentObject } from '../../pipelines/rollout/template.js';
import { paths } from '../../pipelines/stack/layout.js';
import { shipline } from '../support/cli.js';
import { installRoutingCrds } from '../support/routing-crds.js';
import { rolloutFixture, sampleManifest, versionPods } from '../../scripts/bench/fixtures/rollout-fixture.js';

const client = KubeClient.load(paths.kubeconfig());
const fixture = rolloutFixture({ steps: [50, 100], pause: '1s', availableTimeout: '2m', gates: { http: { path: '/cgi-bin/healthz', timeout: '3s' } } });
const env = { KUBECONFIG: paths.kubeconfig() };
const images: Record<string, string> = {};
const cli = (args: string[], config = fixture.configFile) => shipline(['rollout', ...args, '--config', config], { cwd: dirname(config), env });
const name = fixture.name;

type Live = DeploymentObject & { status?: { availableReplicas?: number } };
const deployment = (n: string) => client.get<Live>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: n, namespace: 'default' } });
const vsRef = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'default' } };

async function untilAvailable(n: string, replicas = 1): Promise<void> {
  for (let i = 0; i < 240; i++) {
    const d = await deployment(n);
    if ((d?.status?.availableReplicas ?? 0) >= replicas) return;
    await sleep(500);
  }
  throw new Error(`Deployment ${n} did not become available`);
}

/** Requests, one after the other, to the Service's ClusterIP until stopped. */
function traffic(url: string) {
  const seen = { ok: 0, failed: [] as string[], versions: new Set<string>() };
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
        const body = (await res.json()) as { version: string };
        if (res.status === 200) {
          seen.ok++;
          seen.versions.add(body.version);
        } else seen.failed.push(`HTTP ${res.status}`);
      } catch (error) {
        const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
        seen.failed.push(`${new Date().toISOString()} ${(error as Error).message}${cause ? ` (${cause.code ?? cause.message ?? ''})` : ''}`);
      }
      await sleep(20);
    }
  })();
  return { seen, stop: async () => ((stopped = true), await done, seen) };
}

beforeAll(async () => {
  await installRoutingCrds(client);
  for (const v of ['v0', 'v1', 'v2']) images[v] = await fixture.image(v);
  // The user's Deployment, applied with kubectl before shipline ever ran.
  const original = join(fixture.dir, 'original.yaml');
  writeFileSync(original, sampleManifest(name).replace('127.0.0.1:5000/modco/link:latest', images.v0!));
  await run(['kubectl', '--kubeconfig', paths.kubeconfig(), 'apply', '-f', original, '-n', 'default']);
  await untilAvailable(name);
});

afterAll(async () => {
  await fixture.cleanup(client);
});

describe('shipline rollout of the user\'s own Deployment', () => {
  it('adopts the running Deployment without losing a request, then rolls the canary out', async () => {
    const service = await client.get<KubeObject & { spec: { clusterIP: string } }>({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' } });
    const url = `http://${service!.spec.clusterIP}:8080/cgi-bin/version`;
    // The original serves through its Service first (kube-proxy follows the endpoints a
    // moment after the pod is ready); only then does the measurement start.
    for (let ok = 0, i = 0; ok < 10 && i < 300; i++) {
      ok = (await fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false)) ? ok + 1 : 0;
      await sleep(100);
    }
    const load = traffic(url);
    await sleep(1000);
    const result = await cli(['canary', '--image', images.v1!, '--subset', 'v1', '--json']);
    await sleep(1000);
    const seen = await load.stop();
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain(`adopting Deployment ${name}`);
    expect(JSON.parse(result.stdout)).toMatchObject({ revision: 2, subset: 'v1', previous: 'adopted', state: 'promoted' });
    console.info(`adoption and canary under traffic: ${seen.ok} requests answered, ${seen.failed.length} failed`);
    expect(seen.failed, `${seen.failed.length} of ${seen.ok + seen.failed.length} requests failed`).toEqual([]);
    expect(seen.ok).toBeGreaterThan(20);
    expect([...seen.versions].sort()).toEqual(['v0', 'v1']);

    const original = await deployment(name);
    expect(original!.spec.replicas).toBe(0);
    expect((original!.metadata.annotations as Record<string, string>)['shipline.dev/adopted-replicas']).toBe('1');
    const history = await listReleases(client, name, 'default');
    expect(history[0]!.release).toMatchObject({ revision: 1, subset: 'adopted', strategy: 'adopt', image: images.v0, adopted: { deployment: name, replicas: 1 } });
  });

  it('keeps env, resources, probes and volume of the user\'s pod template byte for byte; only image and labels change', async () => {
    const original = (await deployment(name))!;
    const version = (await deployment(`${name}-v1`))!;
    const [o, v] = [original.spec.template, version.spec.template];
    expect(v.metadata!.labels).toEqual({ ...o.metadata!.labels, version: 'v1' });
    expect(v.spec.containers[0]!.image).toBe(images.v1);
    const withoutImage = (spec: typeof o.spec) => JSON.stringify({ ...spec, containers: spec.containers.map((c) => ({ ...c, image: '' })) });
    expect(withoutImage(v.spec)).toBe(withoutImage(o.spec));
    const c = v.spec.containers[0]!;
    // What the sample manifest says, as the cluster holds it.
    expect(c.env).toEqual([{ name: 'LINK_GREETING_FILE', value: '/etc/link/greeting.txt' }, { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }]);
    expect(c.resources).toEqual({ requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '1', memory: '128Mi' } });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/cgi-bin/healthz', port: 'http' } });
    expect(v.spec.volumes).toMatchObject([{ name: 'config', configMap: { name: `${name}-config` } }]);
    // The pod reads the mounted ConfigMap through the env the manifest gives it.
    const [pod] = await versionPods(client, name, 'v1');
    expect(await (await fetch(`${pod!}/cgi-bin/greeting`)).text()).toBe('hello from link\n');
  });

  it('fails within seconds on an image that does not exist, naming the pod and reason; the route is unchanged', async () => {
    const before = (await client.get(vsRef))!.metadata.resourceVersion;
    const missing = `${images.v2!.split('@')[0]}@sha256:${'0'.repeat(64)}`;
    const started = Date.now();
    const result = await cli(['canary', '--image', missing, '--subset', 'gone']);
    const seconds = (Date.now() - started) / 1000;
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`pod ${name}-gone-[a-z0-9]+-[a-z0-9]+, container ${name}: (ErrImagePull|ImagePullBackOff): `));
    expect(seconds).toBeLessThan(45);
    expect((await client.get(vsRef))!.metadata.resourceVersion).toBe(before);
  });

  it('fails within seconds when the container exits at start, with its exit code and message; the route is unchanged', async () => {
    const before = (await client.get(vsRef))!.metadata.resourceVersion;
    const manifest = readFileSync(fixture.manifestFile, 'utf8');
    writeFileSync(fixture.manifestFile, manifest.replace(
      `          image: 127.0.0.1:5000/modco/link:latest\n`,
      `          image: 127.0.0.1:5000/modco/link:latest\n          command: [/bin/busybox, sh, -c, "echo config missing > /dev/termination-log; exit 3"]\n`,
    ));
    try {
      const started = Date.now();
      const result = await cli(['canary', '--image', images.v2!, '--subset', 'v2']);
      const seconds = (Date.now() - started) / 1000;
      expect(result.exitCode, result.stderr).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`pod ${name}-v2-[a-z0-9]+-[a-z0-9]+, container ${name}: .*exited with code 3 \\(Error\\): config missing`));
      expect(seconds).toBeLessThan(45);
      expect((await client.get(vsRef))!.metadata.resourceVersion).toBe(before);
    } finally {
      writeFileSync(fixture.manifestFile, manifest);
    }
  });

  it('rolls back past the first release: the adopted original serves again', async () => {
    const result = await cli(['rollback', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ subset: name, previous: 'v1', state: 'promoted' });
    const original = await deployment(name);
    expect(original!.spec.replicas).toBe(1);
    expect(original!.status?.availableReplicas).toBe(1);
    expect((await deployment(`${name}-v1`))!.spec.replicas).toBe(0);
    const vs = await client.get<KubeObject & { spec: { http: { route: { destination: Record<string, unknown> }[] }[] } }>(vsRef);
    expect(vs!.spec.http.at(-1)!.route).toEqual([{ destination: { host: name, port: { number: 8080 } } }]);
  });
});

describe('shipline rollout: bad manifests change nothing (exit 2, naming file and field)', () => {
  it('refuses each bad manifest before touching the cluster', async () => {
    const base = readFileSync(fixture.manifestFile, 'utf8');
    const docs = base.split(/^---$/m);
    const withDeployment = (extra: string) => `${base}---\n${extra}`;
    const second = docs[1]!.replace(`name: ${name}\n`, `name: ${name}-worker\n`);
    const cases: [string, string | Record<string, string>, Record<string, unknown>, string][] = [
      ['no Deployment', [docs[0], docs[2]].join('---'), {}, 'deploy.yaml: no Deployment (apps/v1) among the 2 objects of rollout.workload.manifests'],
      ['several Deployments', withDeployment(second), {}, 'shipline.yaml: rollout.workload.deployment: missing; deploy.yaml hold 2 Deployments'],
      ['no such container', base, { container: 'sidecar' }, `shipline.yaml: rollout.workload.container: Deployment ${name} (deploy.yaml doc 2) has no container named sidecar`],
      ['selector mismatch', base.replace(`    matchLabels:\n      app: ${name}\n`, `    matchLabels:\n      app: other\n`), {}, `deploy.yaml doc 2: Deployment ${name}: spec.selector (app=other) does not match spec.template.metadata.labels (app=${name})`],
      ['image placeholder', base.replace('127.0.0.1:5000/modco/link:latest', '"${IMAGE}"'), {}, `deploy.yaml doc 2: Deployment ${name}: spec.template.spec.containers[0].image: "\${IMAGE}" is not an image reference`],
      ['kustomize without kubectl', { 'k/kustomization.yaml': 'resources: [deploy.yaml]\n', 'k/deploy.yaml': base }, {}, 'shipline.yaml: rollout.workload.manifests[0]: k is a kustomize folder, and rendering it needs kubectl, which is not on PATH'],
    ];
    const before = await client.request<{ items: unknown[] }>('GET', '/apis/apps/v1/namespaces/default/deployments', { query: { labelSelector: `app=${name}` } });
    const history = (await listReleases(client, name, 'default')).length;
    // A PATH with node and nothing else: no kubectl.
    const nodeOnly = mkdtempSync(join(tmpdir(), 'shipline-path-'));
    symlinkSync(process.execPath, join(nodeOnly, 'node'));
    for (const [label, files, workload, message] of cases) {
      const dir = mkdtempSync(join(tmpdir(), 'shipline-bad-manifest-'));
      const entries = typeof files === 'string' ? { 'deploy.yaml': files } : files;
      for (const [file, text] of Object.entries(entries)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), text);
      }
      const config = stringify({ ...fixture.loaded().raw, rollout: { ...(fixture.loaded().raw.rollout as object), workload: { manifests: [typeof files === 'string' ? 'deploy.yaml' : 'k'], ...workload } } });
      writeFileSync(join(dir, 'shipline.yaml'), config);
      const result = await shipline(['rollout', 'canary', '--image', images.v2!, '--subset', 'v2', '--config', join(dir, 'shipline.yaml')], {
        cwd: dir,
        env: { ...env, ...(label.startsWith('kustomize') ? { PATH: nodeOnly } : {}) },
      });
      expect(result.exitCode, `${label}: ${result.stderr}`).toBe(2);
      expect(result.stderr, label).toContain(message);
    }
    const after = await client.request<{ items: unknown[] }>('GET', '/apis/apps/v1/namespaces/default/deployments', { query: { labelSelector: `app=${name}` } });
    expect(after.body.items.length).toBe(before.body.items.length);
    expect((await listReleases(client, name, 'default')).length).toBe(history);
  });
});
