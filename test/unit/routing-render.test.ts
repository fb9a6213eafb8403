// Renderer details beyond the goldens: Gateway API mapping choices, what HTTPRoute
// cannot express, and a 200-rule intent.
import { describe, expect, it } from 'vitest';
import { renderGatewayApi } from '../../manifests/gateway-api.js';
import { parseRouting } from '../../manifests/intent.js';
import { renderIstio } from '../../manifests/istio.js';
import { normalize } from '../../pipelines/model/yaml.js';
import { InputError } from '../../pipelines/errors.js';
import { bigIntent } from '../../scripts/bench/routing.bench.js';

const intent = (patch: Record<string, unknown>) =>
  parseRouting({ name: 'r', hosts: ['example.com'], service: 'my-service', port: 80, subsets: { v1: { version: 'v1' }, v2: { version: 'v2' } }, ...patch }, 'shipline.yaml');
const route = (patch: Record<string, unknown>) => {
  const objects = renderGatewayApi(intent(patch), 'shipline.yaml');
  return normalize(objects.find((o) => o.kind === 'HTTPRoute')!.spec) as { parentRefs: unknown[]; hostnames?: string[]; rules: Record<string, unknown>[] };
};
const gatewayError = (patch: Record<string, unknown>) => {
  try {
    renderGatewayApi(intent(patch), 'shipline.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).message;
  }
  throw new Error('expected an InputError');
};

describe('Gateway API rendering', () => {
  it('attaches to the service itself (mesh) when there is no gateway, and drops a * host', () => {
    const spec = route({ hosts: ['*'], rules: [{ to: [{ subset: 'v1' }] }] });
    expect(spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'my-service' }]);
    expect(spec.hostnames).toBeUndefined();
  });

  it('splits namespace/name gateways into parentRefs', () => {
    expect(route({ gateways: ['infra/public', 'private'], rules: [{ to: [{ subset: 'v1' }] }] }).parentRefs).toEqual([
      { name: 'public', namespace: 'infra' },
      { name: 'private' },
    ]);
  });

  it('turns a header prefix into an anchored, escaped regex', () => {
    const spec = route({ rules: [{ match: { headers: { 'x-tenant': { prefix: 'beta.1+' } } }, to: [{ subset: 'v2' }] }, { to: [{ subset: 'v1' }] }] });
    expect(spec.rules[0]!.matches).toEqual([{ headers: [{ name: 'x-tenant', type: 'RegularExpression', value: '^beta\\.1\\+.*' }] }]);
  });

  it('writes a fractional mirror percent as a fraction', () => {
    const spec = route({ rules: [{ to: [{ subset: 'v1' }], mirror: { subset: 'v2', percent: 12.5 } }] });
    expect(spec.rules[0]!.filters).toEqual([
      { type: 'RequestMirror', requestMirror: { backendRef: { name: 'my-service-v2', port: 80 }, fraction: { numerator: 125000, denominator: 1000000 } } },
    ]);
  });

  it('maps retry conditions to status codes, and only a per-try timeout to backendRequest', () => {
    const spec = route({ rules: [{ to: [{ subset: 'v1' }], retries: { attempts: 2, perTryTimeout: '1s', on: 'gateway-error,connect-failure,429', backoff: '100ms' } }] });
    expect(spec.rules[0]!.retry).toEqual({ attempts: 2, backoff: '100ms', codes: [429, 502, 503, 504] });
    expect(spec.rules[0]!.timeouts).toEqual({ backendRequest: '1s' });
  });

  it('refuses retry conditions without a status-code equivalent', () => {
    expect(gatewayError({ rules: [{ to: [{ subset: 'v1' }], retries: { attempts: 2, on: 'envoy-ratelimited' } }] })).toContain(
      'routing.rules[0].retries.on: HTTPRoute cannot retry on envoy-ratelimited',
    );
  });

  it('refuses reset, which an HTTPRoute retry cannot express, instead of dropping it (issue 14.16)', () => {
    for (const on of ['reset,connect-failure', '5xx,reset']) {
      expect(gatewayError({ rules: [{ to: [{ subset: 'v1' }], retries: { attempts: 3, on } }] })).toContain(
        'routing.rules[0].retries.on: HTTPRoute cannot retry on reset: it retries only requests the backend did not process',
      );
    }
  });

  it('renders a regex rule before a disjoint prefix rule, in either order (issue 14.15)', () => {
    const regex = { match: { path: { regex: '^/service1/[a-z]+' } }, to: [{ subset: 'v1' }] };
    const prefix = { match: { path: { prefix: '/service2' } }, to: [{ subset: 'v2' }] };
    expect(route({ rules: [regex, prefix] }).rules).toHaveLength(2);
    expect(route({ rules: [prefix, regex] }).rules).toHaveLength(2);
    const exact = { match: { path: { exact: '/service1/abc' } }, to: [{ subset: 'v2' }] };
    expect(gatewayError({ rules: [regex, exact] })).toContain('routing.rules[1]: may match the same requests as rules[0]');
  });

  it('refuses a regex rule that overlaps a prefix rule in both orders with the same advice, never "move it"', () => {
    const regex = { match: { path: { regex: '/api/v[0-9]+/.*' } }, to: [{ subset: 'v1' }] };
    const prefix = { match: { path: { prefix: '/api' } }, to: [{ subset: 'v2' }] };
    for (const rules of [[regex, prefix], [prefix, regex]]) {
      const message = gatewayError({ rules });
      expect(message).toContain('routing.rules[1]: may match the same requests as rules[0], and Gateway API implementations rank regular-expression paths each in their own way');
      expect(message).not.toContain('move it');
    }
  });

  it('refuses an order that most-specific-match-wins would change', () => {
    const message = gatewayError({
      rules: [
        { match: { headers: { user: { exact: 'premium' } } }, to: [{ subset: 'v2' }] },
        { match: { path: { prefix: '/api' } }, to: [{ subset: 'v1' }] },
      ],
    });
    expect(message).toContain('routing.rules[1]: Gateway API would pick it before rules[0]');
  });

  it('keeps an order that precedence agrees with', () => {
    const spec = route({
      rules: [
        { match: { path: { exact: '/api/health' } }, to: [{ subset: 'v1' }] },
        { match: { path: { prefix: '/api' }, headers: { user: { exact: 'premium' } } }, to: [{ subset: 'v2' }] },
        { match: { path: { prefix: '/api' } }, to: [{ subset: 'v1' }] },
        { match: { path: { prefix: '/other' } }, to: [{ subset: 'v2' }] },
        { to: [{ subset: 'v1' }] },
      ],
    });
    expect(spec.rules).toHaveLength(5);
  });

  it('needs ports, short Service names, DNS hostnames and at most 16 rules', () => {
    const message = gatewayError({
      port: undefined,
      hosts: ['10.0.0.1'],
      subsets: { v1: { version: 'v1' }, 'a-very-long-subset-name-that-makes-the-service-name-too-long': { version: 'x' } },
      rules: Array.from({ length: 17 }, (_, i) => ({ match: { path: { exact: `/p${i}` } }, to: [{ subset: 'v1' }] })),
    });
    expect(message).toContain('routing.rules: HTTPRoute holds at most 16 rules, this has 17');
    expect(message).toContain('routing.hosts[0]: 10.0.0.1: HTTPRoute hostnames cannot be IP addresses');
    expect(message).toContain('routing.subsets.a-very-long-subset-name-that-makes-the-service-name-too-long: the Service my-service-a-very-long');
    expect(message).toContain('routing.rules[0].to[0].port: missing; Gateway API backendRefs need a port');
  });
});

describe('Istio rendering', () => {
  it('omits gateways (mesh) and the DestinationRule when there are none', () => {
    const objects = renderIstio(intent({ subsets: {}, rules: [{ to: [{ service: 'my-service' }] }] }));
    expect(objects.map((o) => o.kind)).toEqual(['VirtualService']);
    expect((normalize(objects[0]!.spec) as Record<string, unknown>).gateways).toBeUndefined();
  });

  it('validates and renders 200 rules', () => {
    const parsed = parseRouting(bigIntent(200), 'bench.yaml');
    const [dr, vs] = renderIstio(parsed);
    expect(dr!.kind).toBe('DestinationRule');
    expect((vs!.spec as { http: unknown[] }).http).toHaveLength(200);
  });
});
