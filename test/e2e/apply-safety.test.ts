// apply, diff and delete keep their promises, as a user meets them: an apply that fails
// changes nothing (not even the Namespaces it would create), `apply --diff` and `diff`
// change nothing and mask Secrets, `diff` exits like kubectl diff, delete waits for pods.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../pipelines/adapters/kube.js';
import { pauseImageRef, paths } from '../../pipelines/stack/layout.js';
import { shipline } from '../support/cli.js';

const client = KubeClient.load(paths.kubeconfig());
const dir = mkdtempSync(join(tmpdir(), 'shipline-apply-safety-'));
const env = { KUBECONFIG: paths.kubeconfig() };
const id = randomBytes(3).toString('hex');
const ns = `safety-${id}`;

function file(name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const configMap = (name: string, namespaceName: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: namespaceName } });

async function namespaceGoneOrGoing(name: string): Promise<boolean> {
  const live = await client.get<KubeObject & { status?: { phase?: string } }>(namespace(name));
  return !live || live.status?.phase === 'Terminating';
}

afterAll(async () => {
  for (const name of [ns, `${ns}-a`, `${ns}-b`]) await client.delete(namespace(name)).catch(() => undefined);
});

describe('apply: nothing half-done', () => {
  it('a refused object elsewhere: the new Namespace of the same file is not created (exit 2)', async () => {
    const f = file('ns-and-bad.yaml', `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns}-a }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: bad-${id}, namespace: default }\nspec: { notAField: true }\n`);
    const res = await shipline(['apply', '-f', f], { cwd: dir, env });
    expect(res.exitCode, res.stderr).toBe(2);
    expect(res.stderr).toContain('nothing was changed');
    expect(await client.get(namespace(`${ns}-a`))).toBeUndefined();
  });

  it('a refused object inside the new Namespace: the Namespace this apply created is removed again', async () => {
    const f = file('ns-and-bad-inside.yaml', `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns}-b }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: bad-${id}, namespace: ${ns}-b }\nspec: { notAField: true }\n`);
    const res = await shipline(['apply', '-f', f], { cwd: dir, env });
    expect(res.exitCode, res.stderr).toBe(2);
    expect(await namespaceGoneOrGoing(`${ns}-b`)).toBe(true);
  });
});

describe('apply --diff and diff change nothing', () => {
  const cmFile = (value: string) => file(`cm-${value}.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cm-${id}, namespace: default }\ndata: { key: ${value} }\n`);

  it('apply --diff on objects that do not exist creates nothing', async () => {
    const res = await shipline(['apply', '-f', cmFile('one'), '--diff'], { cwd: dir, env });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toContain('+  key: one');
    expect(await client.get(configMap(`cm-${id}`, 'default'))).toBeUndefined();
  });

  it('apply --diff on a live object shows the change and leaves the object as it was', async () => {
    expect((await shipline(['apply', '-f', cmFile('one')], { cwd: dir, env })).exitCode).toBe(0);
    const res = await shipline(['apply', '-f', cmFile('two'), '--diff'], { cwd: dir, env });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toContain('-  key: one');
    expect(res.stdout).toContain('+  key: two');
    const live = await client.get<KubeObject & { data: Record<string, string> }>(configMap(`cm-${id}`, 'default'));
    expect(live?.data.key).toBe('one');
  });

  it('diff exits 0 without differences, 1 with some, 2 on an error; it never changes anything', async () => {
    const same = await shipline(['diff', '-f', cmFile('one')], { cwd: dir, env });
    expect([same.exitCode, same.stdout]).toEqual([0, '']);
    const differs = await shipline(['diff', '-f', cmFile('two')], { cwd: dir, env });
    expect(differs.exitCode, differs.stderr).toBe(1);
    expect(differs.stdout).toContain('+  key: two');
    expect(differs.stderr).toBe('');
    const invalid = await shipline(['diff', '-f', file('bad.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x-${id} }\nspec: { notAField: 1 }\n`)], { cwd: dir, env });
    expect(invalid.exitCode).toBe(2);
    const unreachable = file('kubeconfig-closed', `apiVersion: v1\nkind: Config\nclusters: [{ name: c, cluster: { server: "https://127.0.0.1:1", insecure-skip-tls-verify: true } }]\nusers: [{ name: u, user: { token: t } }]\ncontexts: [{ name: x, context: { cluster: c, user: u } }]\ncurrent-context: x\n`);
    const down = await shipline(['diff', '-f', cmFile('two'), '--kubeconfig', unreachable], { cwd: dir, env });
    expect(down.exitCode).toBeGreaterThan(1);
    expect(down.stderr).toContain('cannot reach the Kubernetes API at https://127.0.0.1:1');
    const live = await client.get<KubeObject & { data: Record<string, string> }>(configMap(`cm-${id}`, 'default'));
    expect(live?.data.key).toBe('one');
    await client.delete(configMap(`cm-${id}`, 'default'));
  });

  it('Secret values never appear in apply --diff or diff output', async () => {
    const secret = (value: string) => file(`secret-${value.length}.yaml`, `apiVersion: v1\nkind: Secret\nmetadata: { name: s-${id}, namespace: default }\nstringData: { password: ${value} }\n`);
    expect((await shipline(['apply', '-f', secret('MARKER-first')], { cwd: dir, env })).exitCode).toBe(0);
    for (const args of [['apply', '--diff'], ['diff']]) {
      const res = await shipline([...args, '-f', secret('MARKER-second-one')], { cwd: dir, env });
      expect(res.stdout).toContain('*** (after)');
      const all = res.stdout + res.stderr;
      expect(all).not.toContain('MARKER');
      expect(all).not.toContain(Buffer.from('MARKER-first').toString('base64'));
    }
    await client.delete({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `s-${id}`, namespace: 'default' } });
  });
});

describe('delete', () => {
  it('--timeout abc is refused (exit 2) instead of waiting for ever', async () => {
    const res = await shipline(['delete', '-f', file('any.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: any-${id} }\n`), '--timeout', 'abc'], { cwd: dir, env });
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toContain('--timeout abc: not a positive number of seconds or a duration');
  });

  it('returns only when the Deployment\'s pods are gone too (foreground propagation)', async () => {
    const name = `del-${id}`;
    const f = file('deploy.yaml', `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: default }
spec:
  replicas: 1
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      terminationGracePeriodSeconds: 5
      containers: [{ name: pause, image: ${pauseImageRef} }]
`);
    expect((await shipline(['apply', '-f', f], { cwd: dir, env })).exitCode).toBe(0);
    const pods = async () => (await client.request<{ items: unknown[] }>('GET', '/api/v1/namespaces/default/pods', { query: { labelSelector: `app=${name}` } })).body.items.length;
    const deadline = Date.now() + 120_000;
    while ((await pods()) === 0) {
      if (Date.now() > deadline) throw new Error('the Deployment never made a pod');
      await new Promise((r) => setTimeout(r, 500));
    }
    const res = await shipline(['delete', '-f', f, '--timeout', '2m'], { cwd: dir, env });
    expect(res.exitCode, res.stderr).toBe(0);
    expect(await pods()).toBe(0);
  });
});
