// lint as strict as the apiserver, offline: the shipped CRDs' CEL rules, schema
// defaults, oneOf/anyOf branches, formats, and kinds without a shipped CRD.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileRules } from '../../manifests/crd-cel.js';
import { stringFormats } from '../../manifests/crd-formats.js';
import { withDefaults } from '../../manifests/crd-defaults.js';
import { kindsOf, routingGroups, versionsOf } from '../../manifests/crd-schemas.js';
import { formatFinding, lintManifests } from '../../manifests/lint.js';
import { lintCases } from '../../scripts/bench/fixtures/lint-cases.js';
import { istioCases, stricterCases } from '../support/lint-istio-cases.js';
import { warmLint, warmLintTimeout } from '../support/warm-lint.js';

const lines = (text: string, file = 'deploy.yaml') => lintManifests([{ file, text }]).findings.map((f) => `${f.path}: ${f.message}`);


beforeAll(warmLint, warmLintTimeout);

describe('the shipped CRDs', () => {
  it('ship a CRD for every kind of Gateway API v1.7.0 (standard) and networking.istio.io', () => {
    expect(readdirSync(join(import.meta.dirname, '..', '..', 'manifests', 'crds')).filter((f) => f.endsWith('.yaml'))).toHaveLength(19);
    expect(kindsOf('gateway.networking.k8s.io').sort()).toEqual(['BackendTLSPolicy', 'GRPCRoute', 'Gateway', 'GatewayClass', 'HTTPRoute', 'ListenerSet', 'ReferenceGrant', 'TCPRoute', 'TLSRoute', 'UDPRoute']);
    expect(kindsOf('networking.istio.io').sort()).toEqual(['DestinationRule', 'EnvoyFilter', 'Gateway', 'ProxyConfig', 'ServiceEntry', 'Sidecar', 'VirtualService', 'WorkloadEntry', 'WorkloadGroup']);
  });

  it('have CEL rules that all compile with the functions lint provides', () => {
    let rules = 0;
    for (const group of routingGroups) {
      for (const kind of kindsOf(group)) {
        for (const schema of versionsOf(group, kind)!.values()) {
          expect(compileRules(schema), `${group} ${kind}`).toEqual([]);
          rules += JSON.stringify(schema).split('"rule":').length - 1;
        }
      }
    }
    expect(rules).toBeGreaterThan(200);
  });
});

describe('lint against the CRDs and Istio\'s checks, case by case', () => {
  for (const c of [...lintCases, ...istioCases, ...stricterCases]) {
    it(`${c.name}: ${c.valid ? 'accepts it' : c.finding}`, () => {
      const found = lines(c.yaml);
      if (c.valid) expect(found).toEqual([]);
      else expect(found).toContain(c.finding);
    });
  }

  it('reports a CEL evaluation failure with the rule path and the CRD message', () => {
    expect(lines('apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: a }\nspec:\n  hosts: [a]\n  http:\n  - route: [{ destination: { host: a } }]\n    retries: { attempts: 2, perTryTimeout: 5 seconds }\n')).toEqual([
      'spec.http[0].retries.perTryTimeout: must be a valid duration greater than 1ms (the rule could not be evaluated: Failed to parse duration: invalid syntax)',
    ]);
  });
});

describe('kinds without a shipped CRD', () => {
  it('are reported once per file as not checked, not as findings and never as typos', () => {
    const policy = (name: string) => `apiVersion: gateway.networking.x-k8s.io/v1alpha1\nkind: XBackendTrafficPolicy\nmetadata: { name: ${name} }\nspec: {}`;
    const result = lintManifests([{ file: 'policies.yaml', text: [policy('a'), policy('b')].join('\n---\n') }]);
    expect(result.findings).toEqual([]);
    expect(result.skipped).toEqual(['policies.yaml: XBackendTrafficPolicy (gateway.networking.x-k8s.io/v1alpha1): not checked by lint (no schema shipped); docs 1, 2']);
  });

  it('still names a one-letter typo of a shipped kind', () => {
    expect(lines('apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoue\nmetadata: { name: a }\nspec: {}')).toEqual(['kind: unknown kind HTTPRoue in gateway.networking.k8s.io; did you mean HTTPRoute?']);
  });
});

describe('defaults and formats', () => {
  it('fills in schema defaults in list items without changing the input', () => {
    const schema = versionsOf('gateway.networking.k8s.io', 'Gateway')!.get('v1')!;
    const doc = { spec: { addresses: [{ value: '10.0.0.1' }] } };
    expect((withDefaults(schema, doc) as typeof doc & { spec: { addresses: { type?: string }[] } }).spec.addresses[0]!.type).toBe('IPAddress');
    expect(doc.spec.addresses[0]).toEqual({ value: '10.0.0.1' });
  });

  it('checks formats as kube-openapi does', () => {
    expect(['10.0.0.1', '::ffff:10.0.0.1'].map(stringFormats.ipv4!)).toEqual([true, true]);
    expect(['300.1.1.1', '010.0.0.1', 'fe80::1', 'example.com'].map(stringFormats.ipv4!)).toEqual([false, false, false, false]);
    expect(['2001:db8::1', '10.0.0.1', 'fe80::1%eth0'].map(stringFormats.ipv6!)).toEqual([true, false, false]);
    expect(['example.com', 'a-b.c', '-a.com', 'a_b.com'].map(stringFormats.hostname!)).toEqual([true, true, false, false]);
    expect(['https://example.com/x', '/relative', 'not a uri'].map(stringFormats.uri!)).toEqual([true, true, false]);
    expect(['2026-11-26T19:00:00Z', '2026-11-26T19:00:00.5+01:00', '2026-13-01T00:00:00Z', 'yesterday'].map(stringFormats['date-time']!)).toEqual([true, true, false, false]);
    expect(['1h30m', '500ms', '1.5s', '5 seconds', '5'].map(stringFormats.duration!)).toEqual([true, true, true, false, false]);
  });
});

describe("Istio's own checks beyond the CRD", () => {
  const vs = (http: string, head = 'spec:\n  hosts: [a]\n  http:\n') => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: a }\n${head}${http}`;
  const dr = 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: a }\nspec:\n  host: a\n  subsets: [{ name: v1, labels: { version: v1 } }]\n';

  it('checks mirror and mirrors subsets like route destinations', () => {
    const result = lintManifests([
      { file: 'dr.yaml', text: dr },
      { file: 'vs.yaml', text: vs('  - route: [{ destination: { host: a, subset: v1 } }]\n    mirror: { host: a, subset: v3 }\n    mirrors: [{ destination: { host: a, subset: v4 } }]\n') },
    ]);
    expect(result.findings.map(formatFinding)).toEqual([
      'vs.yaml: doc 1 (VirtualService/a): spec.http[0].mirror.subset: v3 is not a subset of a in its DestinationRule (v1)',
      'vs.yaml: doc 1 (VirtualService/a): spec.http[0].mirrors[0].destination.subset: v4 is not a subset of a in its DestinationRule (v1)',
    ]);
  });

  it('needs http, tcp or tls', () => {
    expect(lines(vs('', 'spec:\n  hosts: [a]\n'))).toEqual(['spec: http, tcp or tls must be provided in virtual service']);
  });

  it('checks retryOn values and retries with zero attempts', () => {
    expect(lines(vs('  - route: [{ destination: { host: a } }]\n    retries: { attempts: 0, retryOn: "5xx, reset,connect-failures,503,999" }\n'))).toEqual([
      'spec.http[0].retries.attempts: http retry policy configured when attempts are set to 0 (disabled); set attempts, or remove retries',
      'spec.http[0].retries.retryOn: " reset" is not a valid retryOn policy (no spaces around commas)',
      'spec.http[0].retries.retryOn: "connect-failures" is not a valid retryOn policy; use 5xx, gateway-error, reset, reset-before-request, connect-failure, retriable-4xx… or an HTTP status',
      'spec.http[0].retries.retryOn: "999" is not a valid retryOn policy; use 5xx, gateway-error, reset, reset-before-request, connect-failure, retriable-4xx… or an HTTP status',
    ]);
  });

  it('checks regexes as RE2, in VirtualServices and HTTPRoutes', () => {
    expect(lines(vs('  - match: [{ headers: { x-a: { regex: "(a)\\\\1" } } }]\n    route: [{ destination: { host: a } }]\n'))).toEqual([
      'spec.http[0].match[0].headers.x-a.regex: is not a valid regular expression for Envoy, which uses RE2 (invalid escape sequence: `\\1`)',
    ]);
    const route = 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: { name: a }\nspec:\n  rules:\n  - matches: [{ path: { type: RegularExpression, value: "^/service1/(?!admin).*" } }]\n    backendRefs: [{ name: a, port: 80 }]\n';
    expect(lines(route)).toEqual(['spec.rules[0].matches[0].path.value: is not a regular expression Gateway API implementations accept: they use RE2 (invalid or unsupported Perl syntax: `(?!`)']);
  });

  it('checks header names of matches and header operations', () => {
    expect(lines(vs('  - match: [{ headers: { "x user": { exact: a } } }]\n    headers: { response: { set: { host: x } }, request: { remove: [":path"] } }\n    route: [{ destination: { host: a } }]\n'))).toEqual([
      // In the order of the file's lines.
      'spec.http[0].match[0].headers.x user: header name x user is not a valid header name (letters, digits and !#$%&\'*+-.^_`|~)',
      'spec.http[0].headers.response.set: invalid header "host": cannot set Host header',
      'spec.http[0].headers.request.remove: invalid header ":path": header cannot have ":" prefix',
    ]);
  });

  it('checks fault injection: a kind, percentages, statuses', () => {
    expect(lines(vs('  - match: [{ uri: { prefix: /a } }]\n    route: [{ destination: { host: a } }]\n    fault: {}\n  - match: [{ uri: { prefix: /b } }]\n    route: [{ destination: { host: a } }]\n    fault: { abort: { httpStatus: 700, percentage: { value: 0.00001 } } }\n'))).toEqual([
      'spec.http[0].fault: HTTP fault injection must have an abort and/or a delay',
      'spec.http[1].fault.abort.httpStatus: HTTP status 700 is not in range 200-599',
      'spec.http[1].fault.abort.percentage.value: percentage 0.00001 is neither 0, nor in range [0.0001, 100]',
    ]);
  });
});
