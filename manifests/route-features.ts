// The Gateway API conformance features an HTTPRoute relies on, named as implementations
// publish them in GatewayClass status.supportedFeatures. Pure.
import type { KubeObject } from '../pipelines/model/kube-object.js';

interface Rule {
  matches?: { path?: { type?: string }; queryParams?: unknown[]; method?: string }[];
  filters?: { type: string; requestMirror?: { percent?: number; fraction?: unknown }; requestRedirect?: { port?: number; scheme?: string; path?: unknown }; urlRewrite?: { hostname?: string; path?: unknown } }[];
  backendRefs?: { filters?: Rule['filters'] }[];
  timeouts?: { request?: string; backendRequest?: string };
  retry?: { attempts?: number; backoff?: string; codes?: number[] };
}

/** Each feature the route needs, with the field that needs it (for the refusal message). */
export function requiredFeatures(route: KubeObject): { feature: string; field: string }[] {
  if (route.kind !== 'HTTPRoute') return [];
  const rules = ((route.spec as { rules?: Rule[] } | undefined)?.rules ?? []);
  const found: { feature: string; field: string }[] = [];
  const need = (feature: string, field: string) => found.push({ feature, field });
  rules.forEach((rule, i) => {
    const at = `spec.rules[${i}]`;
    rule.matches?.forEach((m, j) => {
      if (m.queryParams?.length) need('HTTPRouteQueryParamMatching', `${at}.matches[${j}].queryParams`);
      if (m.method) need('HTTPRouteMethodMatching', `${at}.matches[${j}].method`);
    });
    const filters = [...(rule.filters ?? []).map((f, k) => [f, `${at}.filters[${k}]`] as const),
      ...(rule.backendRefs ?? []).flatMap((b, n) => (b.filters ?? []).map((f, k) => [f, `${at}.backendRefs[${n}].filters[${k}]`] as const))];
    for (const [filter, field] of filters) {
      if (filter.type === 'RequestMirror') {
        need('HTTPRouteRequestMirror', field);
        if (filter.requestMirror?.percent !== undefined || filter.requestMirror?.fraction !== undefined) need('HTTPRouteRequestPercentageMirror', `${field}.requestMirror`);
      }
      if (filter.type === 'ResponseHeaderModifier') need('HTTPRouteResponseHeaderModification', field);
      if (filter.type === 'RequestRedirect') {
        if (filter.requestRedirect?.port !== undefined) need('HTTPRoutePortRedirect', `${field}.requestRedirect.port`);
        if (filter.requestRedirect?.scheme !== undefined) need('HTTPRouteSchemeRedirect', `${field}.requestRedirect.scheme`);
        if (filter.requestRedirect?.path !== undefined) need('HTTPRoutePathRedirect', `${field}.requestRedirect.path`);
      }
      if (filter.type === 'URLRewrite') {
        if (filter.urlRewrite?.hostname !== undefined) need('HTTPRouteHostRewrite', `${field}.urlRewrite.hostname`);
        if (filter.urlRewrite?.path !== undefined) need('HTTPRoutePathRewrite', `${field}.urlRewrite.path`);
      }
    }
    if (rule.timeouts?.request) need('HTTPRouteRequestTimeout', `${at}.timeouts.request`);
    if (rule.timeouts?.backendRequest) need('HTTPRouteBackendTimeout', `${at}.timeouts.backendRequest`);
    if (rule.retry) {
      need('HTTPRouteRetry', `${at}.retry`);
      if (rule.retry.backoff) need('HTTPRouteRetryBackoff', `${at}.retry.backoff`);
    }
  });
  return found;
}

/** Features the route needs that the published list lacks; none when nothing is published. */
export function missingFeatures(routes: readonly KubeObject[], supported: readonly string[] | undefined): { feature: string; field: string; route: string }[] {
  if (!supported) return [];
  const have = new Set(supported);
  const seen = new Set<string>();
  return routes.flatMap((route) => requiredFeatures(route).map((f) => ({ ...f, route: route.metadata.name })))
    .filter((f) => !have.has(f.feature))
    .filter((f) => (seen.has(f.feature) ? false : (seen.add(f.feature), true)));
}
