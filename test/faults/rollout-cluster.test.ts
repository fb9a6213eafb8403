// Faults of the cluster side of a rollout, on the real stack. The shared kube-apiserver is
// never stopped: a forwarder process of this test stands in front of it, and hanging
// (SIGSTOP) or killing that process is what the CLI sees of a hung or dead apiserver.
// (A private apiserver would have no node to run the new version's pods, so a rollout
// could never reach its first traffic step there.)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError, KubeClient, type KubeObject } from '../../pipelines/adapters/kube.js';
import { listReleases } from '../../pipelines/rollout/history.js';
import { liveWeights } from '../../pipelines/rollout/status.js';
import { paths, ports } from '../../pipelines/stack/layout.js';
import { shipline } from '../support/cli.js';
import { installRoutingCrds } from '../support/routing-crds.js';
import { rolloutFixture, type RolloutFixture } from '../../scripts/bench/fixtures/rollout-fixture.js';
import { PrometheusInstance } from './support/prometheus-instance.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { TestProcess } from './support/test-process.js';

const client = KubeClient.load(paths.kubeconfig());
const entry = join(process.cwd(), 'scripts', 'shipline.mjs');

interface Running {
  exited: Promise<number | null>;
  output: () => string;
  pid: number;
}

/** The CLI in the background, as a user's terminal runs it. */
function background(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  let output = '';
  const child = TestProcess.start([process.execPath, entry, ...args], {
    env: { ...process.env, ...env },
    onStdout: (c) => (output += c),
    onStderr: (c) => (output += c),
  });
  return { exited: child.result.then((res) => res.exitCode), output: () => output, pid: child.pid };
}

async function weightOf(f: RolloutFixture, subset: string): Promise<number | undefined> {
  const vs = await client.get<KubeObject>({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: `link-${f.id}`, namespace: 'default' } });
  return liveWeights(vs).weights.find((w) => w.destination === subset)?.weight;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

/** A fixture with a first release (v1, 100 %) and a v2 image ready to roll out. */
async function routeWithStable(rollout: Record<string, unknown>): Promise<{ f: RolloutFixture; v2: string; v3: string }> {
  const f = rolloutFixture({ steps: [25, 50, 100], autoPromote: false, lease: { duration: '3s' }, ...rollout });
  const [v1, v2, v3] = [await f.image('v1'), await f.image('v2'), await f.image('v3')];
  const first = await shipline(['rollout', 'canary', '--image', v1, '--subset', 'v1', '--config', f.configFile], { env: { KUBECONFIG: paths.kubeconfig() } });
  expect(first.exitCode, first.stderr).toBe(0);
  fixtures.push(f);
  return { f, v2, v3 };
}

const fixtures: RolloutFixture[] = [];

beforeAll(async () => {
  await installRoutingCrds(client);
});
afterAll(async () => {
  for (const f of fixtures) await f.cleanup(client);
});

describe('lease taken away mid-rollout', () => {
  it('the first rollout stops at once (exit 3, names the new holder), the route keeps its last full split', async () => {
    const { f, v2 } = await routeWithStable({ pause: '6s' });
    const run = background(['rollout', 'canary', '--image', v2, '--subset', 'v2', '--config', f.configFile], { KUBECONFIG: paths.kubeconfig() });
    await until('the first step is applied', async () => (await weightOf(f, 'v2')) === 25);
    const leases = `/apis/coordination.k8s.io/v1/namespaces/default/leases`;
    // Taken over the way another holder would: a write of the live lease at its resourceVersion
    // (again on a conflict, when the rollout's own renewal wrote in between).
    for (let attempt = 0; ; attempt++) {
      const live = (await client.request<{ metadata: { resourceVersion: string } }>('GET', `${leases}/shipline-link-${f.id}`)).body;
      const now = new Date().toISOString().replace('Z', '000Z');
      try {
        await client.request('PUT', `${leases}/shipline-link-${f.id}`, {
          body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: `shipline-link-${f.id}`, resourceVersion: live.metadata.resourceVersion }, spec: { holderIdentity: 'thief@elsewhere/1', leaseDurationSeconds: 60, acquireTime: now, renewTime: now } },
        });
        break;
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 409) || attempt >= 5) throw error;
      }
    }
    const stolenAt = Date.now();
    const code = await run.exited;
    expect(code, run.output()).toBe(3);
    expect(Date.now() - stolenAt).toBeLessThan(5_000);
    expect(run.output()).toContain(`lost the lease default/shipline-link-${f.id}: it is now held by thief@elsewhere/1`);
    await sleep(7_000); // longer than the pause: a rollout still running would have moved on
    expect(await weightOf(f, 'v2')).toBe(25);
    expect(await weightOf(f, 'v1')).toBe(75);
    await client.request('DELETE', `${leases}/shipline-link-${f.id}`);
  });
});

describe('two rollouts of one route at once', () => {
  it('exactly one of them changes anything', async () => {
    const { f, v2, v3 } = await routeWithStable({ pause: '2s' });
    const before = (await listReleases(client, `link-${f.id}`, 'default')).length;
    const env = { KUBECONFIG: paths.kubeconfig() };
    const [a, b] = [
      background(['rollout', 'canary', '--image', v2, '--subset', 'v2', '--config', f.configFile], env),
      background(['rollout', 'canary', '--image', v3, '--subset', 'v3', '--config', f.configFile], env),
    ];
    const codes = await Promise.all([a.exited, b.exited]);
    expect([...codes].sort(), a.output() + b.output()).toEqual([0, 3]);
    const loser = codes[0] === 3 ? a : b;
    expect(loser.output()).toMatch(/another rollout of route \S+ is running: lease default\/shipline-link-\w+ is held by|has an unfinished rollout/);
    const releases = await listReleases(client, `link-${f.id}`, 'default');
    expect(releases.length).toBe(before + 1);
    const winner = codes[0] === 0 ? 'v2' : 'v3';
    expect(releases.at(-1)!.release.subset).toBe(winner);
    const loserSubset = winner === 'v2' ? 'v3' : 'v2';
    expect(await weightOf(f, loserSubset)).toBeUndefined();
    expect(await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `link-${f.id}-${loserSubset}`, namespace: 'default' } })).toBeUndefined();
  });
});

describe('kube-apiserver hung, then killed, mid-rollout', () => {
  let proxy: TcpProxy;
  let kubeconfig: string;

  beforeAll(async () => {
    proxy = await TcpProxy.start({ host: '127.0.0.1', port: ports.kubeApiserver });
    kubeconfig = join(process.env.TMPDIR ?? '/tmp', `shipline-fault-kubeconfig-${proxy.port}`);
    writeFileSync(kubeconfig, readFileSync(paths.kubeconfig(), 'utf8').replace(`127.0.0.1:${ports.kubeApiserver}`, `127.0.0.1:${proxy.port}`));
  });
  afterAll(async () => {
    proxy?.resume();
    await proxy?.kill();
  });

  it('the rollout ends within its timeout (exit 1, names the apiserver), traffic stays on a full split, a re-run resumes', async () => {
    const { f, v2 } = await routeWithStable({ pause: '4s' });
    const args = ['rollout', 'canary', '--image', v2, '--subset', 'v2', '--config', f.configFile];
    const run = background(args, { KUBECONFIG: kubeconfig, SHIPLINE_TIMEOUT: '3' });
    const recorded = async () => (await listReleases(client, `link-${f.id}`, 'default')).at(-1)?.release.stepLabel === 'canary 25% v2';
    await until('the first step is applied and recorded', async () => (await weightOf(f, 'v2')) === 25 && (await recorded()));
    proxy.hang();
    const hungAt = Date.now();
    const code = await run.exited;
    expect(code, run.output()).toBe(1);
    expect(Date.now() - hungAt).toBeLessThan(20_000);
    expect(run.output()).toMatch(new RegExp(`the Kubernetes API at https://127.0.0.1:${proxy.port} did not answer|lease`));
    await proxy.kill();
    // A full split of the strategy, never something in between.
    const w = await weightOf(f, 'v2');
    expect([25, 50]).toContain(w);
    expect((await weightOf(f, 'v1'))! + w!).toBe(100);

    await proxy.restart();
    await sleep(3_500); // the dead run's lease expires
    const rerun = await shipline(args, { env: { KUBECONFIG: kubeconfig, SHIPLINE_TIMEOUT: '10' } });
    expect(rerun.exitCode, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain('resuming the rollout of v2');
    expect(await weightOf(f, 'v2')).toBe(100);
  });
});

describe('Ctrl-C during a rollout', () => {
  it('exit 130 at the next safe point; the route keeps a full split; the release record says where', async () => {
    const { f, v2 } = await routeWithStable({ pause: '30s' });
    const run = background(['rollout', 'canary', '--image', v2, '--subset', 'v2', '--config', f.configFile], { KUBECONFIG: paths.kubeconfig() });
    await until('the first step is applied', async () => (await weightOf(f, 'v2')) === 25);
    process.kill(run.pid, 'SIGINT');
    const started = Date.now();
    const code = await run.exited;
    expect(code, run.output()).toBe(130);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.output()).toContain('interrupted after "canary 25% v2"; traffic stays on canary 25% v2');
    expect(await weightOf(f, 'v2')).toBe(25);
    const latest = (await listReleases(client, `link-${f.id}`, 'default')).at(-1)!.release;
    expect(latest).toMatchObject({ subset: 'v2', state: 'progressing', stepLabel: 'canary 25% v2', note: 'interrupted after "canary 25% v2"' });
  });
});

describe('Prometheus hung during a rollout gate', () => {
  let prometheus: PrometheusInstance;
  beforeAll(async () => {
    prometheus = await PrometheusInstance.start();
  });
  afterAll(async () => {
    await prometheus?.stop();
  });

  it('the gate fails (not the process) and the step is judged by the gate\'s rule: aborted back to the stable version', async () => {
    const { f, v2 } = await routeWithStable({ pause: '1s', gates: { prometheus: { url: prometheus.url, query: 'vector(0)', max: 1 } } });
    prometheus.hang();
    const started = Date.now();
    let res;
    try {
      res = await shipline(['rollout', 'canary', '--image', v2, '--subset', 'v2', '--config', f.configFile], { env: { KUBECONFIG: paths.kubeconfig(), SHIPLINE_TIMEOUT: '3' } });
    } finally {
      prometheus.resume();
    }
    expect(res.exitCode, res.stderr).toBe(1);
    expect(Date.now() - started).toBeLessThan(120_000);
    expect(res.stderr).toContain(`Prometheus at ${prometheus.url} did not answer: no answer within 3s`);
    expect(res.stderr).toContain('traffic is back on v1');
    expect(await weightOf(f, 'v1')).toBe(100);
    const latest = (await listReleases(client, `link-${f.id}`, 'default')).at(-1)!.release;
    expect(latest.state).toBe('aborted');
  });
});
