// One entry for every renderer: the routing intent to Kubernetes objects for the chosen
// API, and the file name each object gets with `render -o DIR`.
import type { FieldPositions } from '../pipelines/model/config-issues.js';
import type { KubeObject } from '../pipelines/model/kube-object.js';
import { renderGatewayApi } from './gateway-api.js';
import type { RoutingIntent } from './intent-schema.js';
import { renderIstio, type IstioVersion } from './istio.js';

export const routingApis = ['istio', 'gateway-api'] as const;
export type RoutingApi = (typeof routingApis)[number];

export interface RenderOptions {
  api: RoutingApi;
  istioVersion: IstioVersion;
  /** The config file, named in errors. */
  file: string;
  /** Where the routing fields stand in that file, for errors. */
  positions?: FieldPositions;
}

export function renderRouting(intent: RoutingIntent, options: RenderOptions): KubeObject[] {
  return options.api === 'istio' ? renderIstio(intent, options.istioVersion) : renderGatewayApi(intent, options.file, options.positions);
}

/** e.g. virtualservice-canary-release.yaml */
export function manifestFileName(object: KubeObject): string {
  return `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
}
