// apply, diff and delete read -f as kubectl does, against the local stack's kube-apiserver:
// `-f -` (standard input), folders (top-level .yaml/.yml/.json files; subfolders with -R),
// JSON files and List documents; a missing path exits 2, names it, and changes nothing.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../pipelines/adapters/kube.js';
import { paths } from '../../pipelines/stack/layout.js';
import { shipline } from '../support/cli.js';

const client = KubeClient.load(paths.kubeconfig());
const dir = mkdtempSync(join(tmpdir(), 'shipline-inputs-cluster-'));
const env = { KUBECONFIG: paths.kubeconfig() };
const id = randomBytes(4).toString('hex');
const ns = `in-${id}`;
const at = (name: string) => join(dir, name);
const run = (args: string[], input?: string) => shipline([...args, '-n', ns], { cwd: dir, env, input });
const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata: { from: ${name} }\n`;
const live = async (name: string) => client.get<KubeObject & { data?: Record<string, string> }>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns } });

mkdirSync(at('site/nested'), { recursive: true });
writeFileSync(at('site/top.yaml'), configMap('top'));
writeFileSync(at('site/list.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'json-a' } }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'json-b' } }] }));
writeFileSync(at('site/ignored.txt'), configMap('ignored'));
writeFileSync(at('site/nested/deep.yml'), configMap('deep'));

afterAll(async () => {
  await client.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch(() => undefined);
});

describe('-f inputs', () => {
  it('-f - applies what standard input holds (a Namespace first)', async () => {
    const applied = await run(['apply', '-f', '-', '-o', 'name'], `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns} }\n---\n${configMap('stdin')}`);
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(applied.stdout).toBe(`namespace/${ns}\nconfigmap/stdin\n`);
    expect((await live('stdin'))?.data).toEqual({ from: 'stdin' });
  });

  it('-f DIR applies its top-level .yaml and .json files (a List unpacked), not its subfolders', async () => {
    const applied = await run(['apply', '-f', 'site', '-o', 'name']);
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(applied.stdout).toBe('configmap/json-a\nconfigmap/json-b\nconfigmap/top\n');
    expect(await live('deep')).toBeUndefined();
    expect(await live('ignored')).toBeUndefined();
  });

  it('diff -f DIR -R sees the subfolder\'s object as new (exit 1); apply -R creates it', async () => {
    const diff = await run(['diff', '-f', 'site', '-R', '-o', 'name']);
    expect(diff.exitCode, diff.stderr).toBe(1);
    expect(diff.stdout).toBe('configmap/deep\n');
    const applied = await run(['apply', '-f', 'site', '--recursive']);
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect((await live('deep'))?.data).toEqual({ from: 'deep' });
  });

  it('diff -f - compares standard input with the live objects', async () => {
    const diff = await run(['diff', '-f', '-'], configMap('top').replace('from: top', 'from: changed'));
    expect(diff.exitCode, diff.stderr).toBe(1);
    expect(diff.stdout).toContain('+  from: changed');
  });

  it('a missing path exits 2, names it, and changes nothing (even with a good file beside it)', async () => {
    writeFileSync(at('new.yaml'), configMap('new'));
    for (const command of ['apply', 'diff', 'delete']) {
      const result = await run([command, '-f', 'new.yaml', '-f', 'gone/nothing.yaml']);
      expect(result.exitCode, `${command}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain('-f gone/nothing.yaml: no such file or folder');
    }
    expect(await live('new')).toBeUndefined();
    expect(await live('top')).toBeDefined();
  });

  it('a folder whose manifests are all in subfolders exits 2 and points at -R', async () => {
    const empty = at('only-nested');
    mkdirSync(join(empty, 'sub'), { recursive: true });
    writeFileSync(join(empty, 'sub', 'x.yaml'), configMap('x'));
    const refused = await run(['delete', '-f', empty]);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`-f ${empty}: the folder holds no .yaml, .yml or .json file (its subfolders do)`);
    expect(refused.stderr).toContain('-R');
  });

  it('delete -f DIR -R deletes everything the folder holds', async () => {
    const deleted = await run(['delete', '-f', 'site', '-R', '-o', 'name']);
    expect(deleted.exitCode, deleted.stderr).toBe(0);
    expect(deleted.stdout.split('\n').filter(Boolean).sort()).toEqual(['configmap/deep', 'configmap/json-a', 'configmap/json-b', 'configmap/top']);
    for (const name of ['deep', 'json-a', 'json-b', 'top']) expect(await live(name)).toBeUndefined();
  });
});
