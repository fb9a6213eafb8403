// A kubeconfig as @kubernetes/client-node reads it (the same YAML reader, fields, checks and
// messages, relative certificate paths resolved against the file's folder), without loading
// that library: its 700 modules cost a command more than the requests of 100 objects.
// Credentials that need it (exec plugins, auth providers) load it then: kube-credentials.ts.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import jsYaml from 'js-yaml';

export interface KubeCluster {
  name: string;
  server: string;
  caData?: string;
  caFile?: string;
  skipTLSVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
}

export interface KubeUser {
  name: string;
  certData?: string | null;
  certFile?: string | null;
  keyData?: string | null;
  keyFile?: string | null;
  token?: string;
  username?: string | null;
  password?: string | null;
  impersonateUser?: string | null;
  /** Left to client-node (kube-credentials.ts). */
  exec?: unknown;
  authProvider?: unknown;
}

export interface KubeContext {
  name: string;
  cluster: string;
  user?: string;
  namespace?: string;
}

type Raw = Record<string, unknown> & { name?: string };
type Entry = Record<string, unknown>;

function clusterOf(elt: Raw, i: number): KubeCluster {
  if (!elt.name) throw new Error(`clusters[${i}].name is missing`);
  const c = elt.cluster as Entry | undefined;
  if (!c) throw new Error(`clusters[${i}].cluster is missing`);
  if (!c.server) throw new Error(`clusters[${i}].cluster.server is missing`);
  return {
    caData: c['certificate-authority-data'] as string | undefined,
    caFile: c['certificate-authority'] as string | undefined,
    name: elt.name,
    server: (c.server as string).replace(/\/$/, ''),
    skipTLSVerify: c['insecure-skip-tls-verify'] === true,
    tlsServerName: c['tls-server-name'] as string | undefined,
    proxyUrl: c['proxy-url'] as string | undefined,
  };
}

/** A static token, or one read from token-file (as client-node reads it: when the file is loaded). */
function tokenOf(user: Entry | undefined): string | undefined {
  if (user?.token) return user.token as string;
  if (user?.['token-file']) return readFileSync(user['token-file'] as string).toString();
  return undefined;
}

function userOf(elt: Raw, i: number): KubeUser {
  if (!elt.name) throw new Error(`users[${i}].name is missing`);
  const u = elt.user as Entry | undefined;
  const field = <T>(key: string) => (u ? (u[key] as T) : null);
  return {
    authProvider: field('auth-provider'),
    certData: field('client-certificate-data'),
    certFile: field('client-certificate'),
    exec: field('exec'),
    keyData: field('client-key-data'),
    keyFile: field('client-key'),
    name: elt.name,
    token: tokenOf(u),
    password: field('password'),
    username: field('username'),
    impersonateUser: field('as'),
  };
}

function contextOf(elt: Raw, i: number): KubeContext {
  if (!elt.name) throw new Error(`contexts[${i}].name is missing`);
  const c = elt.context as Entry | undefined;
  if (!c) throw new Error(`contexts[${i}].context is missing`);
  if (!c.cluster) throw new Error(`contexts[${i}].context.cluster is missing`);
  return { cluster: c.cluster as string, name: elt.name, user: (c.user as string) || undefined, namespace: (c.namespace as string) || undefined };
}

const listOf = <T>(value: unknown, read: (elt: Raw, i: number) => T): T[] => (Array.isArray(value) ? value.map((elt: Raw, i) => read(elt, i)) : []);

const absolute = (root: string, file: string) => (isAbsolute(file) ? file : join(root, file));

export class KubeConfig {
  clusters: KubeCluster[] = [];
  users: KubeUser[] = [];
  contexts: KubeContext[] = [];
  currentContext = '';

  loadFromFile(file: string): void {
    const obj = jsYaml.load(readFileSync(file).toString('utf-8')) as Entry;
    this.clusters = listOf(obj.clusters, clusterOf);
    this.contexts = listOf(obj.contexts, contextOf);
    this.users = listOf(obj.users, userOf);
    this.currentContext = obj['current-context'] as string;
    const root = dirname(file);
    for (const c of this.clusters) if (c.caFile) c.caFile = absolute(root, c.caFile);
    for (const u of this.users) {
      if (u.certFile) u.certFile = absolute(root, u.certFile);
      if (u.keyFile) u.keyFile = absolute(root, u.keyFile);
    }
  }

  loadFromOptions(options: { clusters: KubeCluster[]; users: KubeUser[]; contexts: KubeContext[]; currentContext: string }): void {
    this.clusters = options.clusters;
    this.users = options.users;
    this.contexts = options.contexts;
    this.currentContext = options.currentContext;
  }

  getCurrentContext(): string {
    return this.currentContext;
  }

  setCurrentContext(name: string): void {
    this.currentContext = name;
  }

  getContextObject(name: string): KubeContext | undefined {
    return this.contexts.find((c) => c.name === name);
  }

  getCluster(name: string): KubeCluster | undefined {
    return this.clusters.find((c) => c.name === name);
  }

  getUser(name: string | undefined): KubeUser | undefined {
    return this.users.find((u) => u.name === name);
  }

  getCurrentCluster(): KubeCluster | undefined {
    const context = this.getContextObject(this.currentContext);
    return context && this.getCluster(context.cluster);
  }

  getCurrentUser(): KubeUser | undefined {
    const context = this.getContextObject(this.currentContext);
    return context && this.getUser(context.user);
  }
}
