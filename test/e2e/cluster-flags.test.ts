// --kubeconfig, --context and -n through the real CLI: every cluster command takes them,
// kubectl's precedence (flag, KUBECONFIG merged as kubectl merges it, ~/.kube/config, the
// local stack), and errors that name the missing file or context and list those that
// exist. The last part runs against the local stack's real API server with a kubeconfig
// of two contexts (one for the stack, one for a closed port).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { KubeApiError, KubeClient } from '../../pipelines/adapters/kube.js';
import { paths } from '../../pipelines/stack/layout.js';
import { shipline } from '../support/cli.js';
import { freePort } from '../../scripts/bench/fixtures/free-port.js';

const dir = mkdtempSync(join(tmpdir(), 'shipline-cluster-flags-'));
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => shipline(args, { cwd: dir, env: { NO_COLOR: '1', KUBECONFIG: undefined, HOME: dir, ...env } });
const digest = `sha256:${'0'.repeat(64)}`;

interface Kubeconfig {
  'current-context'?: string;
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
}

function offline(contexts: string[], current?: string, server = 'https://127.0.0.1:1'): Kubeconfig {
  return {
    ...(current ? { 'current-context': current } : {}),
    clusters: [{ name: `${contexts[0]}-cluster`, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: `${contexts[0]}-user`, user: { token: 'not-a-token' } }],
    contexts: contexts.map((name) => ({ name, context: { cluster: `${contexts[0]}-cluster`, user: `${contexts[0]}-user` } })),
  };
}
const write = (name: string, config: Kubeconfig) => {
  const file = join(dir, name);
  writeFileSync(file, stringify({ apiVersion: 'v1', kind: 'Config', ...config }));
  return file;
};

// A project: check, rollout and release need a shipline.yaml (apply, diff and delete do not).
// Its mesh route has no running implementation on the stack: external takes the CRDs on trust.
writeFileSync(
  join(dir, 'shipline.yaml'),
  'image:\n  repository: 127.0.0.1:5000/flags/x\nrouting:\n  implementation: external\n  name: flags\n  hosts: [flags.example]\n  service: flags\n  rules:\n    - to: [{ service: flags }]\n',
)
writeFileSync(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flags-cm}\ndata: {a: b}\n');
const twoContexts = write('two.yaml', offline(['alpha', 'beta'], 'alpha'));

/** Every command that talks to a cluster, with the arguments it needs to get that far. */
const clusterCommands: string[][] = [
  ['check'],
  ['apply', '-f', 'cm.yaml'],
  ['diff', '-f', 'cm.yaml'],
  ['delete', '-f', 'cm.yaml'],
  ['rollout', 'canary', '--image', `127.0.0.1:5000/x@${digest}`],
  ['rollout', 'status'],
  ['rollout', 'promote'],
  ['rollout', 'abort'],
  ['rollout', 'rollback'],
  ['release', '--skip-build', '--image', `127.0.0.1:5000/modco/link@${digest}`, '--yes'],
  ['release', '--dry-run'],
  ['bundle', 'import', 'no-bundle.tar', '--registry', '127.0.0.1:5000', '--apply'],
];

describe('every cluster command takes --kubeconfig, --context and -n', () => {
  it.each(clusterCommands.map((c) => [c.join(' '), c]))('%s: --context nope names it and lists the contexts (exit 2)', async (_, args) => {
    const result = await cli([...args, '--kubeconfig', twoContexts, '--context', 'nope', '-n', 'flags-ns']);
    expect(result.stderr).toContain(`context nope is not in ${twoContexts}; contexts: alpha, beta\n`);
    expect(result.exitCode).toBe(2);
  });

  it('version takes --kubeconfig and --context (it reads no namespace)', async () => {
    const result = await cli(['version', '--kubeconfig', twoContexts, '--context', 'beta', '--timeout', '1']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('cluster   unreachable (context beta, https://127.0.0.1:1:');
  });
});

describe('which kubeconfig, and its errors', () => {
  it('a missing --kubeconfig file is "no such file" with its path, not "start the local cluster"', async () => {
    const missing = join(dir, 'missing.yaml');
    const result = await cli(['check', '--kubeconfig', missing]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`shipline: --kubeconfig ${missing}: no such file\n  fix: check the path given to --kubeconfig\n`);
  });

  it('a file with no current context lists its contexts', async () => {
    const file = write('no-current.yaml', offline(['alpha', 'beta']));
    const result = await cli(['check', '--kubeconfig', file]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(`${file} sets no current context; contexts: alpha, beta\n  fix: pass --context alpha`);
  });

  it('KUBECONFIG is a list merged as kubectl merges it: the first file sets the current context, contexts of every file can be chosen', async () => {
    const first = write('first.yaml', offline(['one'], 'one', 'https://127.0.0.1:1'));
    const second = write('second.yaml', offline(['two'], 'two', 'https://127.0.0.1:2'));
    const env = { KUBECONFIG: [join(dir, 'not-there.yaml'), first, second].join(':') };
    const current = await cli(['version', '--timeout', '1'], env);
    expect(current.stdout).toContain('cluster   unreachable (context one, https://127.0.0.1:1:');
    const chosen = await cli(['version', '--timeout', '1', '--context', 'two'], env);
    expect(chosen.stdout).toContain('cluster   unreachable (context two, https://127.0.0.1:2:');
    const nope = await cli(['check', '--context', 'three'], env);
    expect(nope.stderr).toContain(`context three is not in ${first}:${second}; contexts: one, two`);
  });

  it('--kubeconfig wins over KUBECONFIG, and KUBECONFIG over ~/.kube/config', async () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), stringify({ apiVersion: 'v1', kind: 'Config', ...offline(['home'], 'home', 'https://127.0.0.1:3') }));
    const envFile = write('env.yaml', offline(['env'], 'env', 'https://127.0.0.1:4'));
    const flagFile = write('flag.yaml', offline(['flag'], 'flag', 'https://127.0.0.1:5'));
    const asked = async (args: string[], env: NodeJS.ProcessEnv) => (await cli(['version', '--timeout', '1', ...args], { HOME: home, ...env })).stdout;
    expect(await asked([], {})).toContain('(context home, https://127.0.0.1:3:');
    expect(await asked([], { KUBECONFIG: envFile })).toContain('(context env, https://127.0.0.1:4:');
    expect(await asked(['--kubeconfig', flagFile], { KUBECONFIG: envFile })).toContain('(context flag, https://127.0.0.1:5:');
  });

  it('KUBECONFIG naming only missing files is an error naming them (not a silent fall back to another cluster)', async () => {
    const result = await cli(['check'], { KUBECONFIG: join(dir, 'gone.yaml') });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(`KUBECONFIG names ${join(dir, 'gone.yaml')}: no such file`);
  });
});

describe('against the local API server', () => {
  let client: KubeClient;
  const namespace = `flags-${randomBytes(3).toString('hex')}`;
  let file = '';
  let closedPort = 0;

  beforeAll(async () => {
    const stack = parse(readFileSync(paths.kubeconfig(), 'utf8')) as Kubeconfig;
    client = KubeClient.load(paths.kubeconfig());
    closedPort = await freePort();
    const stackContext = stack.contexts.find((c) => c.name === stack['current-context'])!;
    // Two contexts: "stack" (the real API server) and "closed" (the current one: a port nothing listens on).
    file = write('stack-two.yaml', {
      'current-context': 'closed',
      clusters: [...stack.clusters, { name: 'closed-cluster', cluster: { server: `https://127.0.0.1:${closedPort}`, 'insecure-skip-tls-verify': true } }],
      users: stack.users,
      contexts: [
        { name: 'stack', context: { ...stackContext.context } },
        { name: 'closed', context: { cluster: 'closed-cluster', user: stackContext.context.user } },
      ],
    });
    writeFileSync(join(dir, 'ns.yaml'), `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${namespace}}\n`);
  });

  afterAll(async () => {
    await client.request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
  });

  it('--context picks the context of the file: check reaches the stack through "stack"', async () => {
    const result = await cli(['check', '--kubeconfig', file, '--context', 'stack']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^context: stack \(https:\/\/127\.0\.0\.1:\d+\)\n/);
  });

  it('without --context, the current one ("closed") is used, and its server is named', async () => {
    const result = await cli(['check', '--kubeconfig', file], { SHIPLINE_TIMEOUT: '2' });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain(`127.0.0.1:${closedPort}`);
  });

  it('-n puts the objects that name no namespace there (apply, then delete)', async () => {
    const nsResult = await cli(['apply', '-f', 'ns.yaml', '--kubeconfig', file, '--context', 'stack']);
    expect(nsResult.exitCode, nsResult.stderr).toBe(0);
    const dry = await cli(['apply', '-f', 'cm.yaml', '--kubeconfig', file, '--context', 'stack', '-n', namespace, '--dry-run=server']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('(server dry run');
    await expect(client.request('GET', `/api/v1/namespaces/${namespace}/configmaps/flags-cm`)).rejects.toBeInstanceOf(KubeApiError);
    const applied = await cli(['apply', '-f', 'cm.yaml', '--kubeconfig', file, '--context', 'stack', '--namespace', namespace]);
    expect(applied.exitCode, applied.stderr).toBe(0);
    const live = await client.request<{ data: Record<string, string> }>('GET', `/api/v1/namespaces/${namespace}/configmaps/flags-cm`);
    expect(live.body.data).toEqual({ a: 'b' });
    const deleted = await cli(['delete', '-f', 'cm.yaml', '--kubeconfig', file, '--context', 'stack', '-n', namespace]);
    expect(deleted.exitCode, deleted.stderr).toBe(0);
    await expect(client.request('GET', `/api/v1/namespaces/${namespace}/configmaps/flags-cm`)).rejects.toBeInstanceOf(KubeApiError);
  });

  it('version reports the API server and the routing implementation of the context', async () => {
    const result = await cli(['--verbose', 'version', '-o', 'json', '--kubeconfig', file, '--context', 'stack']);
    expect(result.exitCode, result.stderr).toBe(0);
    // -v: the requests sent, with their status and time.
    expect(result.stderr).toMatch(/^GET \/version → 200 \(\d+ ms\)$/m);
    const doc = JSON.parse(result.stdout) as { components: { name: string; status: string; version?: string; detail?: string }[] };
    const cluster = doc.components.find((c) => c.name === 'cluster')!;
    const server = await client.request<{ gitVersion: string }>('GET', '/version');
    expect(cluster).toMatchObject({ status: 'ok', version: server.body.gitVersion });
    expect(cluster.detail).toMatch(/^context stack, https:\/\/127\.0\.0\.1:\d+$/);
    const routing = doc.components.find((c) => c.name === 'routing')!;
    expect(routing.status).toBe('ok');
    expect(routing.detail).toContain('traefik');
  });
});
