// Mirroring through Traefik's own TraefikService where the implementation lacks the
// standard RequestMirror filter: each HTTPRoute rule that mirrors sends its traffic to
// a TraefikService of kind mirroring (the rule's backend, plus a copy of `percent` % of
// requests to the mirror, whose answers are dropped). Pure.
import type { KubeObject } from '../pipelines/model/kube-object.js';

interface BackendRef { name: string; port?: number; group?: string; kind?: string; weight?: number }
interface Filter { type: string; requestMirror?: { backendRef: BackendRef; percent?: number; fraction?: { numerator: number; denominator?: number } } }
interface Rule { backendRefs?: BackendRef[]; filters?: Filter[] }

function percentOf(mirror: NonNullable<Filter['requestMirror']>): number {
  if (mirror.percent !== undefined) return mirror.percent;
  if (mirror.fraction) return Math.round((mirror.fraction.numerator / (mirror.fraction.denominator ?? 100)) * 100);
  return 100;
}

/** The objects with each mirroring HTTPRoute rule rewritten to a TraefikService; others unchanged. */
export function withTraefikMirroring(objects: readonly KubeObject[]): KubeObject[] {
  const extra: KubeObject[] = [];
  const out = objects.map((object) => {
    if (object.kind !== 'HTTPRoute') return object;
    const spec = object.spec as { rules?: Rule[] };
    const rules = (spec.rules ?? []).map((rule, i) => {
      const mirror = rule.filters?.find((f) => f.type === 'RequestMirror')?.requestMirror;
      const [backend, ...more] = rule.backendRefs ?? [];
      if (!mirror || !backend || more.length > 0) return rule;
      const name = `${object.metadata.name}-mirror-${i}`;
      extra.push({
        apiVersion: 'traefik.io/v1alpha1',
        kind: 'TraefikService',
        metadata: { name, namespace: object.metadata.namespace },
        spec: {
          mirroring: {
            name: backend.name,
            port: backend.port,
            mirrors: [{ name: mirror.backendRef.name, port: mirror.backendRef.port, percent: percentOf(mirror) }],
          },
        },
      });
      const filters = rule.filters!.filter((f) => f.type !== 'RequestMirror');
      return { ...rule, filters: filters.length > 0 ? filters : undefined, backendRefs: [{ group: 'traefik.io', kind: 'TraefikService', name }] };
    });
    return { ...object, spec: { ...spec, rules } };
  });
  // TraefikServices first: the route's backend must exist when the route arrives.
  const services = out.filter((o) => o.kind === 'Service');
  return [...services, ...extra, ...out.filter((o) => o.kind !== 'Service')];
}
