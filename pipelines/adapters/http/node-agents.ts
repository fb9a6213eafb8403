// Kept-alive node:http(s) agents, one per protocol and TLS identity (or unix socket): for
// the requests undici cannot make as well (streamed uploads whose chunks a buffer pool
// lends, the registry's requests where no proxy applies) and clients built on node:http
// such as dockerode. Apart from dispatchers.ts so that these load without undici.
import { Agent as NodeHttpAgent } from 'node:http';
import { Agent as NodeHttpsAgent } from 'node:https';
import { connectionsPerOrigin, keepAliveMs } from './policy.js';
import { fingerprint, type ConnectionOptions, type TlsOptions } from './connection-key.js';

export type { ConnectionOptions, TlsOptions };

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
