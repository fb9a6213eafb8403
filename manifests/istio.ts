// Renders a routing intent as an Istio VirtualService, plus a DestinationRule when it
// defines subsets. Pure: same intent, same objects.
import type { KubeObject } from '../pipelines/model/kube-object.js';
import type { Destination, Mirror, RoutingIntent, RoutingMatch, RoutingRule } from './intent-schema.js';

export const istioVersions = ['v1', 'v1beta1', 'v1alpha3'] as const;
export type IstioVersion = (typeof istioVersions)[number];

function destination(intent: RoutingIntent, to: Destination | Mirror) {
  const port = to.port ?? intent.port;
  return {
    host: to.service ?? intent.service,
    subset: to.subset,
    port: port === undefined ? undefined : { number: port },
  };
}

function match(m: RoutingMatch) {
  return {
    uri: m.path,
    headers: m.headers,
  };
}

function httpRoute(intent: RoutingIntent, rule: RoutingRule) {
  const weighted = rule.to.length > 1;
  return {
    name: rule.name,
    match: rule.match ? [match(rule.match)] : undefined,
    route: rule.to.map((to) => ({ destination: destination(intent, to), weight: weighted ? to.weight : undefined })),
    // mirror and mirrorPercentage are fields of the HTTP route, beside `route` — not
    // items of the route list.
    mirror: rule.mirror ? destination(intent, rule.mirror) : undefined,
    mirrorPercentage: rule.mirror?.percent === undefined ? undefined : { value: rule.mirror.percent },
    fault: rule.fault && {
      delay: rule.fault.delay && { percentage: { value: rule.fault.delay.percent }, fixedDelay: rule.fault.delay.fixed },
      abort: rule.fault.abort && { percentage: { value: rule.fault.abort.percent }, httpStatus: rule.fault.abort.status },
    },
    timeout: rule.timeout,
    retries: rule.retries && {
      attempts: rule.retries.attempts,
      perTryTimeout: rule.retries.perTryTimeout,
      retryOn: rule.retries.on,
      backoff: rule.retries.backoff,
    },
  };
}

/** The DestinationRule (when subsets are defined) first, so subsets exist before routes use them. */
export function renderIstio(intent: RoutingIntent, version: IstioVersion = 'v1'): KubeObject[] {
  const apiVersion = `networking.istio.io/${version}`;
  const objects: KubeObject[] = [];
  const subsets = Object.entries(intent.subsets);
  if (subsets.length > 0 && intent.service) {
    objects.push({
      apiVersion,
      kind: 'DestinationRule',
      metadata: { name: intent.service, namespace: intent.namespace },
      spec: { host: intent.service, subsets: subsets.map(([name, labels]) => ({ name, labels })) },
    });
  }
  objects.push({
    apiVersion,
    kind: 'VirtualService',
    metadata: { name: intent.name, namespace: intent.namespace },
    spec: {
      hosts: intent.hosts,
      gateways: intent.gateways.length > 0 ? intent.gateways : undefined,
      http: intent.rules.map((rule) => httpRoute(intent, rule)),
    },
  });
  return objects;
}
