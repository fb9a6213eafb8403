// shipline reads kubeconfigs without @kubernetes/client-node (kube-config.ts) and computes
// static credentials itself (kube-credentials.ts): the same entries, checks, messages and
// request credentials as client-node for every kind of user it does not hand to client-node.
import { KubeConfig as ClientNodeConfig } from '@kubernetes/client-node';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KubeConfig } from '../../pipelines/adapters/kube-config.js';
import { clientNodeCredentials, needsClientNode, staticCredentials } from '../../pipelines/adapters/kube-credentials.js';

const dir = mkdtempSync(join(tmpdir(), 'shipline-kube-config-'));
const pem = (word: string) => Buffer.from(`-----BEGIN ${word}-----\n${word}\n-----END ${word}-----\n`).toString('base64');
writeFileSync(join(dir, 'ca.crt'), 'ca from a file\n');
writeFileSync(join(dir, 'token'), 'token-from-file');

const users: Record<string, string> = {
  token: '{token: t0k3n}',
  'token-file': `{token-file: ${join(dir, 'token')}}`,
  'client certificate data': `{client-certificate-data: ${pem('CERT')}, client-key-data: ${pem('KEY')}}`,
  'client certificate files (relative)': '{client-certificate: ca.crt, client-key: ./ca.crt}',
  impersonation: '{token: t, as: someone}',
  'basic auth': '{username: u, password: p}',
  nothing: '{}',
};

function kubeconfig(name: string, user: string, cluster = `{server: "https://k.example:6443/", certificate-authority-data: ${pem('CA')}}`): string {
  const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
  writeFileSync(file, `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: k, cluster: ${cluster}}]\nusers: [{name: u, user: ${user}}]\ncontexts: [{name: c, context: {cluster: k, user: u, namespace: ns}}]\n`);
  return file;
}

function both(file: string): [KubeConfig, ClientNodeConfig] {
  const ours = new KubeConfig();
  ours.loadFromFile(file);
  const theirs = new ClientNodeConfig();
  theirs.loadFromFile(file);
  return [ours, theirs];
}

const comparable = (o: object) => JSON.parse(JSON.stringify(o, (_k, v: unknown) => (v === null ? undefined : v))) as unknown;

describe('KubeConfig (shipline) against client-node', () => {
  it.each(Object.entries(users))('reads a user with %s, and sends the same credentials', async (_what, user) => {
    const [ours, theirs] = both(kubeconfig(_what, user));
    expect(comparable({ clusters: ours.clusters, users: ours.users, contexts: ours.contexts, current: ours.currentContext })).toEqual(
      comparable({ clusters: theirs.clusters, users: theirs.users, contexts: theirs.contexts, current: theirs.currentContext }),
    );
    expect(needsClientNode(ours)).toBe(false);
    const auth: Parameters<ClientNodeConfig['applyToHTTPSOptions']>[0] = { headers: {} };
    await theirs.applyToHTTPSOptions(auth);
    const headers = Object.fromEntries(Object.entries(auth.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const mine = staticCredentials(ours);
    expect(comparable(mine)).toEqual(comparable({ headers, ca: auth.ca, cert: auth.cert, key: auth.key, rejectUnauthorized: auth.rejectUnauthorized, servername: auth.servername }));
    expect(await clientNodeCredentials(ours)).toEqual(mine);
  });

  it('reads cluster settings (CA file, TLS server name, skip-verify, proxy) as client-node does', async () => {
    const [ours, theirs] = both(kubeconfig('cluster', '{token: t}', '{server: https://k.example, certificate-authority: ca.crt, tls-server-name: api.k, insecure-skip-tls-verify: true, proxy-url: "http://proxy:3128"}'));
    expect(comparable(ours.clusters)).toEqual(comparable(theirs.clusters));
    const auth: Parameters<ClientNodeConfig['applyToHTTPSOptions']>[0] = { headers: {} };
    await theirs.applyToHTTPSOptions(auth);
    const mine = staticCredentials(ours);
    expect(mine.ca?.toString()).toBe('ca from a file\n');
    expect(comparable(mine)).toMatchObject(comparable({ ca: auth.ca, rejectUnauthorized: auth.rejectUnauthorized, servername: auth.servername }) as object);
  });

  it('hands exec plugins and auth providers to client-node', () => {
    expect(needsClientNode(both(kubeconfig('exec', '{exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/true}}'))[0])).toBe(true);
    expect(needsClientNode(both(kubeconfig('oidc', '{auth-provider: {name: oidc, config: {id-token: x}}}'))[0])).toBe(true);
  });

  it.each([
    ['a cluster without a server', 'clusters: [{name: k, cluster: {}}]'],
    ['a user without a name', 'users: [{user: {}}]'],
    ['a context without a cluster', 'contexts: [{name: c, context: {user: u}}]'],
    ['an empty file', ''],
  ])('refuses %s with client-node\'s message', (_what, text) => {
    const file = join(dir, `${_what.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, text);
    const message = (load: () => void) => {
      try {
        load();
        return 'read';
      } catch (error) {
        return (error as Error).message;
      }
    };
    const ours = message(() => new KubeConfig().loadFromFile(file));
    expect(ours).not.toBe('read');
    expect(ours).toBe(message(() => new ClientNodeConfig().loadFromFile(file)));
  });
});
