// What a routing intent needs from the cluster's routing API. Pure.
import type { RoutingIntent } from '../../manifests/intent.js';

export interface RoutingNeeds {
  fault: boolean;
  mirror: boolean;
  mirrorPercent: boolean;
  retries: boolean;
  timeout: boolean;
  subsets: boolean;
  /** The Gateways the route attaches to (namespace/name or name), none for a mesh route. */
  gateways?: readonly string[];
  namespace?: string;
}

export function routingNeeds(intent: RoutingIntent | undefined): RoutingNeeds {
  const rules = intent?.rules ?? [];
  return {
    fault: rules.some((r) => r.fault !== undefined),
    mirror: rules.some((r) => r.mirror !== undefined),
    mirrorPercent: rules.some((r) => r.mirror?.percent !== undefined && r.mirror.percent !== 100),
    retries: rules.some((r) => r.retries !== undefined),
    timeout: rules.some((r) => r.timeout !== undefined || r.retries?.perTryTimeout !== undefined),
    subsets: Object.keys(intent?.subsets ?? {}).length > 0,
    gateways: intent?.gateways ?? [],
    namespace: intent?.namespace,
  };
}
