// What a request to the Kubernetes API carries from the kubeconfig's current context: the
// cluster's CA, TLS server name and verification, the user's client certificate, bearer
// token and impersonation, exactly as client-node's applyToHTTPSOptions sets them. Users
// with an exec plugin or an auth provider (tokens that expire, OIDC, clouds) are handed to
// client-node itself, loaded only for them.
import { readFileSync } from 'node:fs';
import type { KubeConfig } from './kube-config.js';

export interface KubeCredentials {
  headers: Record<string, string>;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
}

const fileOrData = (file: string | null | undefined, data: string | null | undefined): Buffer | undefined =>
  file ? readFileSync(file) : data ? Buffer.from(data, 'base64') : undefined;

/** Whether client-node must compute the credentials (they may change from one request to the next). */
export function needsClientNode(config: KubeConfig): boolean {
  const user = config.getCurrentUser();
  return Boolean(user?.exec || user?.authProvider);
}

/** The credentials of a user whose are static: the same for every request of the process. */
export function staticCredentials(config: KubeConfig): KubeCredentials {
  const cluster = config.getCurrentCluster();
  const user = config.getCurrentUser();
  const headers: Record<string, string> = {};
  if (!user) return { headers };
  const credentials: KubeCredentials = { headers };
  if (cluster?.skipTLSVerify) credentials.rejectUnauthorized = false;
  if (cluster?.tlsServerName) credentials.servername = cluster.tlsServerName;
  const ca = cluster ? fileOrData(cluster.caFile, cluster.caData) : undefined;
  if (ca) credentials.ca = ca;
  const cert = fileOrData(user.certFile, user.certData);
  if (cert) credentials.cert = cert;
  const key = fileOrData(user.keyFile, user.keyData);
  if (key) credentials.key = key;
  if (user.impersonateUser != null) headers['impersonate-user'] = user.impersonateUser;
  if (user.token) headers.authorization = `Bearer ${user.token}`;
  return credentials;
}

type ClientNodeConfig = import('./kube-client-node.js').KubeConfig;

/** One client-node config per kubeconfig: its exec and auth-provider authenticators cache their tokens. */
const clientNodeConfigs = new WeakMap<KubeConfig, Promise<ClientNodeConfig>>();

function clientNodeConfig(config: KubeConfig): Promise<ClientNodeConfig> {
  let made = clientNodeConfigs.get(config);
  if (!made) {
    made = import('./kube-client-node.js').then(({ KubeConfig: ClientNode }) => {
      const kc = new ClientNode();
      kc.loadFromOptions({ clusters: config.clusters, users: config.users as never, contexts: config.contexts, currentContext: config.currentContext });
      return kc;
    });
    clientNodeConfigs.set(config, made);
  }
  return made;
}

/** The credentials client-node computes for the current user (exec plugins, auth providers), per request. */
export async function clientNodeCredentials(config: KubeConfig): Promise<KubeCredentials> {
  const kc = await clientNodeConfig(config);
  const auth: Parameters<ClientNodeConfig['applyToHTTPSOptions']>[0] = { headers: {} };
  await kc.applyToHTTPSOptions(auth);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(auth.headers ?? {})) if (typeof value === 'string') headers[name.toLowerCase()] = value;
  const toBuffer = (v: unknown) => (v === undefined || v === null ? undefined : Buffer.isBuffer(v) ? v : Buffer.from(String(v)));
  return { headers, ca: toBuffer(auth.ca), cert: toBuffer(auth.cert), key: toBuffer(auth.key), rejectUnauthorized: auth.rejectUnauthorized, servername: auth.servername };
}
