// Types of the parts of undici the door loads one by one (./undici.ts): the same classes
// and request function its index exports, which also loads fetch, WebSocket and caches.
declare module 'undici/lib/dispatcher/agent.js' {
  import { Agent } from 'undici';
  export = Agent;
}
declare module 'undici/lib/dispatcher/proxy-agent.js' {
  import { ProxyAgent } from 'undici';
  export = ProxyAgent;
}
declare module 'undici/lib/dispatcher/env-http-proxy-agent.js' {
  import { EnvHttpProxyAgent } from 'undici';
  export = EnvHttpProxyAgent;
}
declare module 'undici/lib/dispatcher/dispatcher.js' {
  import { Dispatcher } from 'undici';
  export = Dispatcher;
}
declare module 'undici/lib/api/index.js' {
  /** request, stream, pipeline, connect, upgrade: undici's index puts them on Dispatcher.prototype. */
  const api: Record<string, unknown>;
  export = api;
}
