// One kept-alive connection pool per origin (and TLS identity, or unix socket), made once
// and reused by every request to it. Proxies come from HTTPS_PROXY/HTTP_PROXY/NO_PROXY
// where a client asks for them (registries), never for loopback addresses.
import { createSecureContext } from 'node:tls';
import { Agent, EnvHttpProxyAgent, ProxyAgent, type Dispatcher } from './undici.js';
import { fingerprint, type ConnectionOptions } from './connection-key.js';
import { connectionsPerOrigin, connectTimeoutMs, envProxy, keepAliveMs, loopback } from './policy.js';

export type { ConnectionOptions, TlsOptions } from './connection-key.js';

const pools = new Map<string, Dispatcher>();

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

export { dockerEngineAgent, nodeAgentFor } from './node-agents.js';
