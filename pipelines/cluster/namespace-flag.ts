// -n/--namespace for commands that act on the route (rollout, release): the config with
// routing.namespace and cluster.namespace replaced, so the route, its versions and the
// objects that name no namespace all go there.
import type { LoadedConfig } from '../config/load.js';

export function withNamespace(loaded: LoadedConfig, namespace: string | undefined): LoadedConfig {
  if (namespace === undefined) return loaded;
  const routing = loaded.raw.routing;
  const raw = routing !== null && typeof routing === 'object' && !Array.isArray(routing) ? { ...loaded.raw, routing: { ...routing, namespace } } : loaded.raw;
  return { ...loaded, raw, config: { ...loaded.config, cluster: { ...loaded.config.cluster, namespace } } };
}
