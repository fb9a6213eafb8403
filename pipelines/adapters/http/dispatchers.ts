// One kept-alive connection pool per origin (and TLS identity, or unix socket), made once
// and reused by every request to it. Proxies come from HTTPS_PROXY/HTTP_PROXY/NO_PROXY
// where a client asks for them (registries), never for loopback addresses.
import { Agent as NodeHttpAgent } from 'node:http';
import { Agent as NodeHttpsAgent } from 'node:https';
import { createSecureContext } from 'node:tls';
import { Agent, EnvHttpProxyAgent, ProxyAgent, type Dispatcher } from './undici.js';
import { connectionsPerOrigin, connectTimeoutMs, keepAliveMs, loopback } from './policy.js';
import { fingerprint, type ConnectionOptions, type TlsOptions } from './connection-key.js';

export type { ConnectionOptions, TlsOptions };

const pools = new Map<string, Dispatcher>();

/** The proxy settings in the environment, as one string ('' when none is set). */
function envProxy(): string {
  const env = process.env;
  const proxy = env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy;
  return proxy ? [proxy, env.HTTP_PROXY ?? env.http_proxy, env.NO_PROXY ?? env.no_proxy].join(' ') : '';
}

/** The pool for requests to `url`'s origin with these options; made on first use. */
export function dispatcherFor(url: URL, options: ConnectionOptions = {}): Dispatcher {
  const proxies = options.proxyFromEnv === true && !options.socketPath && !loopback(url.hostname) ? envProxy() : '';
  const viaProxy = proxies !== '';
  const key = `${url.origin} ${proxies} ${fingerprint({ ...options, proxyFromEnv: viaProxy })}`;
  let pool = pools.get(key);
  if (!pool) {
    // One TLS context per pool: made per connection, parsing the key and CA costs more than the request.
    const { ca, cert, key: privateKey, ...rest } = options.tls ?? {};
    const secureContext = ca || cert || privateKey ? createSecureContext({ ca, cert, key: privateKey }) : undefined;
    const connect = { ...rest, secureContext, timeout: options.connectTimeoutMs ?? connectTimeoutMs, ...(options.socketPath ? { socketPath: options.socketPath } : {}) };
    const settings = { connect, keepAliveTimeout: keepAliveMs, connections: connectionsPerOrigin, allowH2: options.http2 === true };
    pool = options.proxy
      ? new ProxyAgent({ ...settings, uri: options.proxy, requestTls: options.tls })
      : viaProxy
        ? new EnvHttpProxyAgent({ ...settings, requestTls: options.tls })
        : new Agent(settings);
    pools.set(key, pool);
  }
  return pool;
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
