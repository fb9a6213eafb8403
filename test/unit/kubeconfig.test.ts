// Which kubeconfig and context: kubectl's precedence, its merge of a KUBECONFIG list (the
// first file to set a name or the current context wins), and errors naming what is missing.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseKubeconfig, readKubeconfig, selectContext } from '../../pipelines/cluster/kubeconfig.js';
import { InputError, PreconditionError } from '../../pipelines/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'shipline-kubeconfig-'));

function file(name: string, contexts: { name: string; server: string }[], current?: string): string {
  const path = join(dir, name);
  const lines = ['apiVersion: v1', 'kind: Config', ...(current ? [`current-context: ${current}`] : []), 'clusters:'];
  for (const c of contexts) lines.push(`- name: ${c.name}`, '  cluster:', `    server: ${c.server}`);
  lines.push('users:', `- name: ${name}-user`, '  user: {token: t}', 'contexts:');
  for (const c of contexts) lines.push(`- name: ${c.name}`, '  context:', `    cluster: ${c.name}`, `    user: ${name}-user`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const a = file('a.yaml', [{ name: 'shared', server: 'https://a.example:6443' }, { name: 'only-a', server: 'https://a2.example:6443' }], 'shared');
const b = file('b.yaml', [{ name: 'shared', server: 'https://b.example:6443' }, { name: 'only-b', server: 'https://b2.example:6443' }], 'only-b');
const emptyHome = mkdtempSync(join(dir, 'home-'));

describe('chooseKubeconfig', () => {
  it('--kubeconfig, then cluster.kubeconfig, then KUBECONFIG, then ~/.kube/config', () => {
    const home = mkdtempSync(join(dir, 'home-'));
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), 'apiVersion: v1\n');
    const env = { KUBECONFIG: b };
    expect(chooseKubeconfig({ kubeconfig: a, configKubeconfig: b, env, home })).toEqual({ source: '--kubeconfig', files: [a] });
    expect(chooseKubeconfig({ configKubeconfig: a, env, home })).toEqual({ source: 'cluster.kubeconfig', files: [a] });
    expect(chooseKubeconfig({ env, home })).toEqual({ source: 'KUBECONFIG', files: [b] });
    expect(chooseKubeconfig({ env: {}, home })).toEqual({ source: '~/.kube/config', files: [join(home, '.kube', 'config')] });
  });

  it('skips the missing files of a KUBECONFIG list, and refuses a list of missing files only', () => {
    const gone = join(dir, 'gone.yaml');
    expect(chooseKubeconfig({ env: { KUBECONFIG: `${gone}:${a}::${b}:${a}` }, home: emptyHome }).files).toEqual([a, b]);
    expect(() => chooseKubeconfig({ env: { KUBECONFIG: gone }, home: emptyHome })).toThrow(PreconditionError);
  });

  it('a missing --kubeconfig is bad input naming the path', () => {
    const gone = join(dir, 'nope.yaml');
    expect(() => chooseKubeconfig({ kubeconfig: gone })).toThrow(InputError);
    expect(() => chooseKubeconfig({ kubeconfig: gone })).toThrow(`--kubeconfig ${gone}: no such file`);
  });
});

describe('readKubeconfig and selectContext', () => {
  it('merges a list as kubectl: the first file wins names and the current context', () => {
    const choice = { source: 'KUBECONFIG' as const, files: [a, b] };
    const config = readKubeconfig(choice);
    expect(config.contexts.map((c) => c.name)).toEqual(['shared', 'only-a', 'only-b']);
    selectContext(config, choice, undefined);
    expect(config.currentContext).toBe('shared');
    expect(config.getCurrentCluster()?.server).toBe('https://a.example:6443');
    selectContext(config, choice, 'only-b');
    expect(config.getCurrentCluster()?.server).toBe('https://b2.example:6443');
  });

  it('names an unknown context and lists those that exist', () => {
    const choice = { source: '--kubeconfig' as const, files: [a] };
    expect(() => selectContext(readKubeconfig(choice), choice, 'nope')).toThrow(`context nope is not in ${a}; contexts: shared, only-a`);
  });

  it('a file without a current context, or whose context names a missing cluster, is refused with what exists', () => {
    const none = file('none.yaml', [{ name: 'x', server: 'https://x.example' }]);
    const choice = { source: '--kubeconfig' as const, files: [none] };
    expect(() => selectContext(readKubeconfig(choice), choice, undefined)).toThrow(`${none} sets no current context; contexts: x`);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: []\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: missing, user: u}}]\n');
    const brokenChoice = { source: '--kubeconfig' as const, files: [broken] };
    expect(() => selectContext(readKubeconfig(brokenChoice), brokenChoice, undefined)).toThrow('context c names cluster missing, which is not in');
  });
});
