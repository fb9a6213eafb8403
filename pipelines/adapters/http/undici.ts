// undici's dispatchers and request API, loaded part by part: its index also loads fetch,
// WebSocket, caches and mocks, five times the start-up cost of what the door uses
// (measured: about 300 ms against 60 ms on a loaded 2-core machine), paid by every command.
import Agent from 'undici/lib/dispatcher/agent.js';
import EnvHttpProxyAgent from 'undici/lib/dispatcher/env-http-proxy-agent.js';
import ProxyAgent from 'undici/lib/dispatcher/proxy-agent.js';
import DispatcherBase from 'undici/lib/dispatcher/dispatcher.js';
import api from 'undici/lib/api/index.js';
import type { Dispatcher } from 'undici';

// What undici's index does: the request API (and the connect a proxy tunnel needs) as methods of every dispatcher.
Object.assign(DispatcherBase.prototype, api);

export { Agent, EnvHttpProxyAgent, ProxyAgent, type Dispatcher };

/** One request on a dispatcher (undici's `request`, without its URL-to-options sugar). */
export function request(url: URL, dispatcher: Dispatcher, options: Omit<Dispatcher.RequestOptions, 'origin' | 'path'>): Promise<Dispatcher.ResponseData> {
  return dispatcher.request({ ...options, origin: url.origin, path: `${url.pathname}${url.search}` } as Dispatcher.RequestOptions);
}
