// Kept-alive node:http(s) agents, one per protocol and TLS identity (or unix socket): for
// the requests undici cannot make as well (streamed uploads whose chunks a buffer pool
// lends, the registry's requests where no proxy applies) and clients built on node:http
// such as dockerode. Apart from dispatchers.ts so that these load without undici.
import { createHash } from 'node:crypto';
import { Agent as NodeHttpAgent } from 'node:http';
import { Agent as NodeHttpsAgent } from 'node:https';
import { connectionsPerOrigin, connectTimeoutMs, keepAliveMs } from './policy.js';

/** TLS settings of a connection: a private CA, a client certificate (kubeconfig), or none. */
export interface TlsOptions {
  ca?: string | Buffer | (string | Buffer)[];
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
}

export interface ConnectionOptions {
  tls?: TlsOptions;
  /** Connect to a unix socket instead (the URL's host is then only a name). */
  socketPath?: string;
  /** Use HTTPS_PROXY/HTTP_PROXY/NO_PROXY from the environment (registries). Loopback never goes through a proxy. */
  proxyFromEnv?: boolean;
  /** A proxy named by configuration (a kubeconfig cluster's proxy-url). */
  proxy?: string;
  /** Offer HTTP/2 in the TLS handshake (the Kubernetes API serves it: one connection carries every request). */
  http2?: boolean;
  /** Give up connecting (TCP and TLS) after this long; default the policy's connectTimeoutMs. */
  connectTimeoutMs?: number;
}

/** What tells two connection settings apart, as one string. */
export function fingerprint(options: ConnectionOptions): string {
  const hash = createHash('sha256');
  const { tls } = options;
  for (const part of [tls?.ca, tls?.cert, tls?.key].flat()) hash.update(part === undefined ? '-' : part).update('\0');
  hash.update(`${tls?.rejectUnauthorized ?? true} ${tls?.servername ?? ''} ${options.socketPath ?? ''} ${options.proxyFromEnv ?? false} ${options.proxy ?? ''} ${options.http2 ?? false} ${options.connectTimeoutMs ?? connectTimeoutMs}`);
  return hash.digest('hex');
}

const nodeAgents = new Map<string, NodeHttpAgent>();

/**
 * A kept-alive node:http(s) agent for the requests undici cannot make as well: streamed
 * uploads whose chunks are lent by a buffer pool (released once written), and clients
 * built on node:http such as dockerode (give it as `agent`, with `socketPath` for a unix socket).
 */
export function nodeAgentFor(protocol: 'http:' | 'https:', options: { socketPath?: string; tls?: TlsOptions } = {}): NodeHttpAgent {
  const key = `${protocol} ${fingerprint(options)}`;
  let agent = nodeAgents.get(key);
  if (!agent) {
    const settings = { keepAlive: true, keepAliveMsecs: keepAliveMs, maxSockets: connectionsPerOrigin };
    agent = protocol === 'https:' ? new NodeHttpsAgent({ ...settings, ...options.tls }) : new NodeHttpAgent(settings);
    nodeAgents.set(key, agent);
  }
  return agent;
}

/**
 * The Docker Engine's connection: a kept-alive agent for dockerode on the daemon's unix
 * socket, as `new Docker({ socketPath, agent: dockerEngineAgent(socketPath) })`.
 */
export function dockerEngineAgent(socketPath: string): NodeHttpAgent {
  return nodeAgentFor('http:', { socketPath });
}
