// The routing section of a loaded config: the intent, plus which API to render for
// (`routing.api`, `routing.istioVersion`) and whether its implementation must be seen
// running (`routing.implementation`), which this layer owns.
import { parseRouting, type RoutingIntent } from '../../manifests/intent.js';
import type { LoadedConfig } from '../config/load.js';
import { invalidConfig } from '../model/config-issues.js';
import { istioPreference, type ApiPreference, type ImplementationSetting } from './choose-api.js';

export interface RoutingConfig {
  intent?: RoutingIntent;
  api: ApiPreference;
  istioVersion?: string;
  implementation: ImplementationSetting;
}

export function routingConfig(loaded: LoadedConfig): RoutingConfig {
  const raw = loaded.raw.routing;
  if (raw === undefined) return { api: 'auto', implementation: 'auto' };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalidConfig(loaded.file, [{ path: 'routing', message: 'must be a mapping' }], undefined, loaded.positions);
  }
  const { api = 'auto', istioVersion, implementation = 'auto', ...rest } = raw as Record<string, unknown>;
  const issues = [];
  if (!['auto', 'istio', 'gateway-api'].includes(api as string)) {
    issues.push({ path: 'routing.api', message: `${JSON.stringify(api)} must be auto, istio or gateway-api` });
  }
  if (istioVersion !== undefined && !(istioPreference as readonly unknown[]).includes(istioVersion)) {
    issues.push({ path: 'routing.istioVersion', message: `${JSON.stringify(istioVersion)} must be v1, v1beta1 or v1alpha3` });
  }
  if (!['auto', 'external'].includes(implementation as string)) {
    issues.push({ path: 'routing.implementation', message: `${JSON.stringify(implementation)} must be auto or external` });
  }
  if (issues.length > 0) throw invalidConfig(loaded.file, issues, undefined, loaded.positions);
  return {
    intent: parseRouting(rest, loaded.file, loaded.positions),
    api: api as ApiPreference,
    istioVersion: istioVersion as string | undefined,
    implementation: implementation as ImplementationSetting,
  };
}
