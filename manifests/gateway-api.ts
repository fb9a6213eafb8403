// Renders a routing intent as a Gateway API HTTPRoute (gateway.networking.k8s.io/v1,
// standard channel) plus one Service per subset, selecting the service's pods that
// carry the subset's labels. What HTTPRoute cannot express is an InputError naming the
// rule and the alternative.
import type { KubeObject } from '../pipelines/model/kube-object.js';
import { invalidConfig, type ConfigIssue, type FieldPositions } from '../pipelines/model/config-issues.js';
import type { Destination, Mirror, RoutingIntent, RoutingMatch, RoutingRule } from './intent-schema.js';
import { outranks, rankIsImplementationSpecific } from './match.js';

/** HTTPRoute spec.rules maxItems in the v1.7.0 CRD. */
const maxRules = 16;

/**
 * Istio retryOn conditions as HTTPRoute retry codes. 5xx becomes the four codes every
 * implementation must support. Connection-level conditions add no code: an HTTPRoute
 * retry covers connections that failed or were refused by definition (see the CRD's
 * `retry` description). A reset after the backend began processing is not retried by
 * an HTTPRoute, so `reset` is refused rather than dropped.
 */
const retryCodes: Record<string, number[]> = {
  '5xx': [500, 502, 503, 504],
  'gateway-error': [502, 503, 504],
  'retriable-4xx': [409],
  'reset-before-request': [],
  'connect-failure': [],
  'refused-stream': [],
};

export function subsetServiceName(intent: RoutingIntent, subset: string): string {
  return `${intent.service}-${subset}`;
}

class Problems {
  readonly issues: ConfigIssue[] = [];
  add(path: string, message: string): void {
    this.issues.push({ path: `routing.${path}`, message });
  }
}

function backendRef(intent: RoutingIntent, to: Destination | Mirror, path: string, problems: Problems) {
  const port = to.port ?? intent.port;
  if (port === undefined) problems.add(`${path}.port`, 'missing; Gateway API backendRefs need a port: set it here or set routing.port');
  const service = to.service ?? intent.service ?? '';
  if (to.subset === undefined && service.includes('.')) {
    problems.add(`${path}.service`, `${service}: Gateway API backendRefs name a Service of the route's namespace; use its short name`);
  }
  return { name: to.subset === undefined ? service : subsetServiceName(intent, to.subset), port };
}

// PathPrefix matches whole path segments (/api matches /api/x, not /apix), where an
// Istio prefix is a plain string prefix; for paths ending at a segment both agree.
function matches(m: RoutingMatch) {
  const path = m.path && {
    type: m.path.exact !== undefined ? 'Exact' : m.path.prefix !== undefined ? 'PathPrefix' : 'RegularExpression',
    value: m.path.exact ?? m.path.prefix ?? m.path.regex,
  };
  const headers = Object.entries(m.headers ?? {}).map(([name, h]) => ({
    name,
    // HTTPRoute header matches have no prefix type; a prefix is the anchored regex.
    type: h.exact !== undefined ? 'Exact' : 'RegularExpression',
    value: h.exact ?? h.regex ?? `^${h.prefix!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*`,
  }));
  return [{ path, headers: headers.length > 0 ? headers : undefined }];
}

function retry(rule: RoutingRule, p: string, problems: Problems) {
  if (!rule.retries) return undefined;
  const codes = new Set<number>();
  for (const token of (rule.retries.on ?? '').split(',').map((t) => t.trim()).filter(Boolean)) {
    if (/^[45][0-9]{2}$/.test(token)) codes.add(Number(token));
    else if (retryCodes[token]) retryCodes[token].forEach((c) => codes.add(c));
    else if (token === 'reset') problems.add(`${p}.retries.on`, 'HTTPRoute cannot retry on reset: it retries only requests the backend did not process (connect-failure, refused-stream, reset-before-request); drop reset, or render with --api istio');
    else problems.add(`${p}.retries.on`, `HTTPRoute cannot retry on ${token}; use status codes 400-599, 5xx, gateway-error, retriable-4xx, connect-failure, refused-stream or reset-before-request, or render with --api istio`);
  }
  return {
    attempts: rule.retries.attempts,
    backoff: rule.retries.backoff,
    codes: codes.size > 0 ? [...codes].sort((a, b) => a - b) : undefined,
  };
}

function mirrorFilter(intent: RoutingIntent, rule: RoutingRule, p: string, problems: Problems) {
  if (!rule.mirror) return undefined;
  const percent = rule.mirror.percent;
  const share =
    percent === undefined
      ? {}
      : Number.isInteger(percent)
        ? { percent }
        : { fraction: { numerator: Math.round(percent * 10_000), denominator: 1_000_000 } };
  return [{ type: 'RequestMirror', requestMirror: { backendRef: backendRef(intent, rule.mirror, `${p}.mirror`, problems), ...share } }];
}

function httpRouteRule(intent: RoutingIntent, rule: RoutingRule, index: number, problems: Problems) {
  const p = `rules[${index}]`;
  if (rule.fault) {
    problems.add(`${p}.fault`, 'HTTPRoute cannot inject faults; render with --api istio, or drop fault for Gateway API');
  }
  const weighted = rule.to.length > 1;
  const perTry = rule.retries?.perTryTimeout;
  return {
    name: rule.name,
    matches: rule.match ? matches(rule.match) : undefined,
    backendRefs: rule.to.map((to, k) => ({ ...backendRef(intent, to, `${p}.to[${k}]`, problems), weight: weighted ? to.weight : undefined })),
    filters: mirrorFilter(intent, rule, p, problems),
    timeouts: rule.timeout || perTry ? { request: rule.timeout, backendRequest: perTry } : undefined,
    retry: retry(rule, p, problems),
  };
}

function parentRefs(intent: RoutingIntent) {
  if (intent.gateways.length === 0) {
    // No gateway: a mesh (GAMMA) route attached to the service itself.
    return [{ group: '', kind: 'Service', name: intent.service }];
  }
  return intent.gateways.map((g) => {
    const [namespace, name] = g.includes('/') ? g.split('/') : [undefined, g];
    return { name, namespace };
  });
}

function subsetServices(intent: RoutingIntent, problems: Problems): KubeObject[] {
  const services: KubeObject[] = [];
  for (const [subset, labels] of Object.entries(intent.subsets)) {
    const name = subsetServiceName(intent, subset);
    if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
      problems.add(`subsets.${subset}`, `the Service ${name} for this subset is not a valid Service name (DNS-1035 label, at most 63 characters); shorten routing.service or the subset name`);
    }
    const ports = new Set<number>();
    for (const rule of intent.rules) {
      for (const to of [...rule.to, ...(rule.mirror ? [rule.mirror] : [])]) {
        const port = to.port ?? intent.port;
        if (to.subset === subset && port !== undefined) ports.add(port);
      }
    }
    if (ports.size === 0 && intent.port !== undefined) ports.add(intent.port);
    if (ports.size === 0) problems.add('port', `missing; the Service ${name} for subset ${subset} needs a port`);
    const sorted = [...ports].sort((a, b) => a - b);
    services.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: intent.namespace },
      spec: {
        selector: { ...(intent.selector ?? { app: intent.service! }), ...labels },
        ports: sorted.map((port) => ({
          name: sorted.length > 1 ? `http-${port}` : 'http',
          port,
          targetPort: sorted.length === 1 ? (intent.targetPort ?? port) : port,
        })),
      },
    });
  }
  return services;
}

/** The subset Services first, then the HTTPRoute that sends traffic to them. */
export function renderGatewayApi(intent: RoutingIntent, file: string, positions?: FieldPositions): KubeObject[] {
  const problems = new Problems();
  if (intent.rules.length > maxRules) {
    problems.add('rules', `HTTPRoute holds at most ${maxRules} rules, this has ${intent.rules.length}; split the routing, or render with --api istio`);
  }
  intent.rules.forEach((rule, j) => {
    const i = intent.rules.slice(0, j).findIndex((earlier) => outranks(earlier.match, rule.match));
    if (i >= 0 && rankIsImplementationSpecific(intent.rules[i]!.match, rule.match)) {
      // Moving it would not help: the other order is just as implementation-specific.
      problems.add(`rules[${j}]`, `may match the same requests as rules[${i}], and Gateway API implementations rank regular-expression paths each in their own way; give the two rules disjoint paths (distinct literal prefixes), or render with --api istio`);
    } else if (i >= 0) {
      problems.add(`rules[${j}]`, `Gateway API would pick it before rules[${i}] (HTTPRoute prefers the most specific match, not the first); move it before rules[${i}], or render with --api istio`);
    }
  });
  if (intent.gateways.length === 0 && intent.service === undefined) {
    problems.add('gateways', 'missing; an HTTPRoute attaches to a Gateway (or, for mesh traffic, to routing.service): set one of them');
  }
  const hostnames = intent.hosts.includes('*') ? undefined : intent.hosts;
  intent.hosts.forEach((h, k) => {
    if (/^[0-9.]+$/.test(h)) problems.add(`hosts[${k}]`, `${h}: HTTPRoute hostnames cannot be IP addresses; use a DNS name`);
  });
  const services = subsetServices(intent, problems);
  const route: KubeObject = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: intent.name, namespace: intent.namespace },
    spec: {
      parentRefs: parentRefs(intent),
      hostnames,
      rules: intent.rules.map((rule, index) => httpRouteRule(intent, rule, index, problems)),
    },
  };
  if (problems.issues.length > 0) {
    throw invalidConfig(file, problems.issues, 'these rules cannot be expressed as a Gateway API HTTPRoute; change them or use --api istio', positions);
  }
  return [...services, route];
}
