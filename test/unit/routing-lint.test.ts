// The linter against the real CRD schemas: the notes' manifests lint clean except
// pattern 3's misplaced mirror, every golden manifest lints clean, and typical
// hand-written mistakes are reported with document, object and field path.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatFinding, lintManifests } from '../../manifests/lint.js';
import { warmLint, warmLintTimeout } from '../support/warm-lint.js';

const here = import.meta.dirname;
const lint = (text: string, file = 'deploy.yaml') => lintManifests([{ file, text }]);
const lines = (text: string) => lint(text).findings.map(formatFinding);

const vs = (http: string, apiVersion = 'networking.istio.io/v1') => `apiVersion: ${apiVersion}
kind: VirtualService
metadata:
  name: demo
spec:
  hosts: [example.com]
  http:
${http}`;

const route = (rule: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: demo
spec:
  parentRefs: [{ name: my-gateway }]
  rules:
${rule}`;


beforeAll(warmLint, warmLintTimeout);

describe('lint', () => {
  it("finds exactly the notes' pattern-3 mistake (mirror as a route item)", () => {
    const file = join(here, 'fixtures', 'notes-patterns.yaml');
    const result = lintManifests([{ file: 'notes.yaml', text: readFileSync(file, 'utf8') }]);
    expect(result.findings.map(formatFinding)).toEqual([
      'notes.yaml: doc 3 (VirtualService/traffic-mirroring): spec.http[0].route[1]: mirror and mirrorPercentage are not a route destination: in a VirtualService mirror and mirrorPercentage are fields of the HTTP route; move them out of the route list, up beside route (into spec.http[0])',
    ]);
  });

  it('passes every golden manifest', () => {
    const dir = join(here, 'golden');
    const inputs = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml') && !f.endsWith('.config.yaml'))
      .map((f) => ({ file: f, text: readFileSync(join(dir, f), 'utf8') }));
    expect(inputs.length).toBeGreaterThanOrEqual(16);
    const result = lintManifests(inputs);
    expect(result.findings.map(formatFinding)).toEqual([]);
    expect(result.skipped.every((s) => s.includes('(Service/'))).toBe(true);
  });

  it('reports unknown fields with a suggestion and missing required fields', () => {
    expect(lines(vs('  - route:\n    - destination: { host: a, subsett: v1 }\n    - weigth: 3'))).toEqual([
      'deploy.yaml: doc 1 (VirtualService/demo): spec.http[0].route[0].destination.subsett: unknown field; did you mean subset?',
      'deploy.yaml: doc 1 (VirtualService/demo): spec.http[0].route[1].destination: missing (required)',
      'deploy.yaml: doc 1 (VirtualService/demo): spec.http[0].route[1].weigth: unknown field; did you mean weight?',
    ]);
  });

  it('reports lost indentation (fields that slid to the top level)', () => {
    const flat = 'apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata:\nname: path-routing\nspec:\nhosts:\n- "example.com"\n';
    const found = lines(flat);
    expect(found).toContain('deploy.yaml: doc 1 (VirtualService/?): name: unknown field; expected one of apiVersion, kind, metadata, spec, status');
    expect(found).toContain('deploy.yaml: doc 1 (VirtualService/?): metadata.name: missing (required)');
  });

  it('applies the routing rules: weights, percentages, durations, statuses, order', () => {
    const found = lines(
      vs(`  - route:
    - { destination: { host: a, subset: v1 }, weight: 90 }
    - { destination: { host: a, subset: v2 }, weight: 20 }
    mirror: { host: a }
    mirrorPercentage: { value: 150 }
    fault: { abort: { httpStatus: 700, percentage: { value: 10 } }, delay: { fixedDelay: 5 seconds, percentage: { value: 5 } } }
    timeout: 0s
  - match: [{ uri: { prefix: /a } }]
    route: [{ destination: { host: a } }]`),
    ).map((l) => l.replace('deploy.yaml: doc 1 (VirtualService/demo): ', ''));
    expect(found).toEqual([
      // In the order of the file's lines; the CRD's CEL rules with the CRD's own message.
      'spec.http[0].route: weights sum to 110, must be 100',
      'spec.http[0].mirrorPercentage.value: 150 must be between 0 and 100',
      'spec.http[0].fault.abort.httpStatus: HTTP status 700 is not in range 200-599',
      'spec.http[0].fault.delay.fixedDelay: must be a valid duration greater than 1ms (the rule could not be evaluated: Failed to parse duration: invalid syntax)',
      'spec.http[0].timeout: must be a valid duration greater than 1ms',
      'spec.http[1]: unreachable: spec.http[0] already matches every request it matches (first match wins)',
    ]);
  });

  it('checks subsets against a DestinationRule in the same run', () => {
    const dr = 'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: a }\nspec:\n  host: a\n  subsets: [{ name: v1, labels: { version: v1 } }]\n';
    const result = lintManifests([
      { file: 'dr.yaml', text: dr },
      { file: 'vs.yaml', text: vs('  - route: [{ destination: { host: a, subset: v2 } }]') },
    ]);
    expect(result.findings.map(formatFinding)).toEqual([
      'vs.yaml: doc 1 (VirtualService/demo): spec.http[0].route[0].destination.subset: v2 is not a subset of a in its DestinationRule (v1)',
    ]);
  });

  it('reports a oneOf violation once, in the words of the schema', () => {
    expect(lines(vs('  - match: [{ uri: { prefix: /a, exact: /a } }]\n    route: [{ destination: { host: a } }]'))).toEqual([
      'deploy.yaml: doc 1 (VirtualService/demo): spec.http[0].match[0].uri: set at most one of exact, prefix, regex',
    ]);
  });

  it('checks HTTPRoutes: schema patterns, ranges, port and timeout rules', () => {
    const found = lines(
      route(`  - backendRefs: [{ name: a }]
    filters: [{ type: RequestMirror, requestMirror: { backendRef: { name: b, port: 80 }, percent: 150 } }]
    timeouts: { request: 1s, backendRequest: 2s }
    retry: { attempts: 2, codes: [302] }
    fault: { abort: 500 }`),
    ).map((l) => l.replace('deploy.yaml: doc 1 (HTTPRoute/demo): ', ''));
    expect(found).toEqual([
      // In the order of the file's lines; the CRD's CEL rules with the CRD's own message.
      'spec.rules[0].backendRefs[0]: Must have port for Service reference',
      'spec.rules[0].filters[0].requestMirror.percent: 150 must be <= 100',
      'spec.rules[0].timeouts: backendRequest timeout cannot be longer than request timeout',
      'spec.rules[0].retry.codes[0]: 302 must be >= 400',
      'spec.rules[0].fault: HTTPRoute cannot inject faults',
    ]);
  });

  it('names wrong versions and misspelt kinds, and skips other APIs', () => {
    const text = [
      'apiVersion: networking.istio.io/v2\nkind: VirtualService\nmetadata: { name: a }\nspec: {}',
      'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoutes\nmetadata: { name: b }\nspec: {}',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: c }\nspec: {}',
    ].join('\n---\n');
    const result = lint(text);
    expect(result.findings.map(formatFinding)).toEqual([
      'deploy.yaml: doc 1 (VirtualService/a): apiVersion: VirtualService is not served in networking.istio.io/v2',
      'deploy.yaml: doc 2 (HTTPRoutes/b): kind: unknown kind HTTPRoutes in gateway.networking.k8s.io; did you mean HTTPRoute?',
    ]);
    expect(result.skipped).toEqual(['deploy.yaml: doc 3 (Deployment/c): skipped, apps/v1 is not a routing API']);
  });

  it('reports YAML errors with line and column, and alias bombs', () => {
    expect(lines('a: [1\nb: }\n')).toEqual([expect.stringMatching(/^deploy\.yaml: doc 1 \(\?\): YAML: YAML syntax: /)]);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]'];
    expect(lines(bomb.join('\n'))[0]).toMatch(/^deploy\.yaml: doc 1 \(\?\): YAML: .*alias/i);
  });
});
