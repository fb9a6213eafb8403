// A kube-apiserver of the test's own hung (SIGSTOP), then killed: commands end within
// their timeout with exit 1 and a message naming the apiserver, change nothing half-way,
// and work again once it is back; a held route lease is given up when it cannot be renewed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../pipelines/adapters/kube.js';
import { LeaseLostError, RouteLock } from '../../pipelines/rollout/lease.js';
import { shipline } from '../support/cli.js';
import { ApiserverInstance } from './support/apiserver-instance.js';

let apiserver: ApiserverInstance;
let client: KubeClient;
const dir = mkdtempSync(join(tmpdir(), 'shipline-faults-apiserver-'));
const manifests = join(dir, 'objects.yaml');

beforeAll(async () => {
  apiserver = await ApiserverInstance.start();
  client = KubeClient.load(apiserver.kubeconfig);
  writeFileSync(manifests, ['a', 'b', 'c'].map((n) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: hung-${n}, namespace: default }\ndata: { k: v }\n`).join('---\n'));
}, 600_000);
afterAll(async () => {
  await apiserver?.stop();
});

const env = () => ({ KUBECONFIG: apiserver.kubeconfig, SHIPLINE_TIMEOUT: '3' });
const configMaps = async () => (await client.request<{ items: KubeObject[] }>('GET', '/api/v1/namespaces/default/configmaps')).body.items.filter((c) => c.metadata.name.startsWith('hung-'));

describe('kube-apiserver hung, then killed', () => {
  it('hung: apply ends within its timeout (exit 1, names the apiserver) and nothing was applied', async () => {
    apiserver.hang();
    const started = Date.now();
    let res;
    try {
      res = await shipline(['apply', '-f', manifests], { env: env() });
    } finally {
      apiserver.resume();
    }
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(res.exitCode, res.stderr).toBe(1);
    expect(res.stderr).toContain(`the Kubernetes API at ${apiserver.url} did not answer`);
    expect(await configMaps()).toEqual([]);
  });

  it('resumed: the same apply works', async () => {
    const res = await shipline(['apply', '-f', manifests], { env: env() });
    expect(res.exitCode, res.stderr).toBe(0);
    expect((await configMaps()).length).toBe(3);
  });

  it('a held lease that cannot be renewed (apiserver hung) is given up after its duration: exit 1, not 3', async () => {
    const lock = new RouteLock(client, 'shipline-hung-route', 'default', 3, 'me@test/1');
    await lock.acquire();
    apiserver.hang();
    const hungAt = Date.now();
    try {
      while (!lock.signal.aborted) {
        if (Date.now() - hungAt > 10_000) throw new Error('the lock never gave up');
        await sleep(100);
      }
    } finally {
      apiserver.resume();
    }
    expect(Date.now() - hungAt).toBeLessThan(6_000);
    const error = await lock.confirm().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseLostError);
    expect((error as LeaseLostError).exitCode).toBe(1);
    expect((error as Error).message).toMatch(/lost the lease default\/shipline-hung-route: not renewed for 3s/);
    await lock.release();
  });

  it('killed: diff fails after its retries (exit above 1, naming the address); restarted, it works', async () => {
    await apiserver.kill();
    const started = Date.now();
    const res = await shipline(['diff', '-f', manifests], { env: env() });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(res.exitCode).toBeGreaterThan(1); // diff: 1 means "differences"
    expect(res.stderr).toContain(`cannot reach the Kubernetes API at ${apiserver.url}`);
    expect(res.stderr).toContain('gave up after 4 tries');
    await apiserver.startApiserver();
    const again = await shipline(['diff', '-f', manifests], { env: env() });
    expect(again.exitCode, again.stderr).toBe(0);
  });
});
