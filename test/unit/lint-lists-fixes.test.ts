// Lint reads what apply reads (kubectl-style lists, render's ManifestList), says one
// thing per YAML syntax error, gives every finding a fix of its own rule, sorts findings
// by file and line, and warns (not fails) about API versions only earlier releases serve.
import { describe, expect, it, beforeAll } from 'vitest';
import { stringify } from 'yaml';
import { formatFinding, formatFindingAt, lintManifests, type Finding } from '../../manifests/lint.js';
import { kubeObjects, routingApiVersionsOf } from '../../pipelines/bundle/manifest-docs.js';
import { parseObjects } from '../../pipelines/model/kube-documents.js';
import { lintCases } from '../../scripts/bench/fixtures/lint-cases.js';
import { istioCases, stricterCases } from '../support/lint-istio-cases.js';
import { warmLint, warmLintTimeout } from '../support/warm-lint.js';

const lint = (text: string, file = 'm.yaml', strict = false) => lintManifests([{ file, text }], { strict });

const brokenVs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'broken' }, spec: { hosts: ['a'], http: [{ route: [{ destination: { host: 'a' } }] }], gatways: ['x'], hostz: [], tcpp: [] } };
const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { ports: [{ port: 80 }] } };

beforeAll(warmLint, warmLintTimeout);

describe('lists', () => {
  for (const [kind, apiVersion] of [['List', 'v1'], ['ConfigMapList', 'v1'], ['ManifestList', 'shipline.dev/v1']]) {
    it(`unpacks a ${kind} through the function apply uses, naming the item of each finding`, () => {
      const text = stringify({ apiVersion, kind, items: [service, service, brokenVs] });
      expect(parseObjects(text, 'm.yaml').map((s) => [s.object.kind, s.doc, s.item])).toEqual([['Service', 1, 1], ['Service', 1, 2], ['VirtualService', 1, 3]]);
      const result = lint(text);
      expect(result.findings.map(formatFinding)).toEqual([
        'm.yaml: doc 1 item 3 (VirtualService/broken): spec.gatways: unknown field; did you mean gateways?',
        'm.yaml: doc 1 item 3 (VirtualService/broken): spec.hostz: unknown field; did you mean hosts?',
        'm.yaml: doc 1 item 3 (VirtualService/broken): spec.tcpp: unknown field; did you mean tcp?',
      ]);
      expect(result.skipped).toContain('m.yaml: doc 1 item 1 (Service/svc): skipped, v1 is not a routing API');
      expect(result.documents).toBe(3);
      // The line is the item's own field, inside the list.
      const lines = text.split('\n');
      for (const f of result.findings) expect(lines[f.line - 1]).toContain(f.path.split('.').pop());
    });
  }

  it('bundle create --manifests unpacks them too, and names an item that is no object', () => {
    const text = stringify({ apiVersion: 'shipline.dev/v1', kind: 'ManifestList', items: [service, brokenVs] });
    expect(kubeObjects('m.yaml', text).map((o) => o.kind)).toEqual(['Service', 'VirtualService']);
    expect(routingApiVersionsOf(kubeObjects('m.yaml', text))).toEqual(['networking.istio.io/v1']);
    expect(() => kubeObjects('m.yaml', stringify({ apiVersion: 'v1', kind: 'List', items: [service, { kind: 'x' }] }))).toThrow('m.yaml: document 1 item 2 is not a Kubernetes object');
  });

  it('checks JSON lists too (render -o json), and an item that is no object', () => {
    const result = lint(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [brokenVs, 'text'] }, null, 2), 'r.json');
    expect(result.findings.map((f) => `${f.doc}/${f.item} ${f.path}`)).toEqual(expect.arrayContaining(['1/1 spec.gatways', '1/2 (document)']));
  });
});

describe('findings', () => {
  it('a tab in the indentation is one finding, at its line, with the fix', () => {
    const result = lint('apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: a\nspec:\n  hosts: [a]\n  http:\n\t- route: []\n');
    expect(result.findings).toHaveLength(1);
    const [f] = result.findings as [Finding];
    expect([f.line, f.column, f.path]).toEqual([8, 1, 'YAML']);
    expect(f.message).toBe('YAML syntax: tabs are not allowed as indentation');
    expect(f.fix).toMatch(/indent with spaces/);
  });

  it('a prefix that looks like a regular expression says to use regex: / RegularExpression', () => {
    const vs = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: r }\nspec:\n  hosts: [a]\n  http:\n  - match: [{ uri: { prefix: "/api/v[0-9]+/.*" } }, { headers: { x-v: { exact: "^v2$" } } }]\n    route: [{ destination: { host: a } }]\n';
    expect(lint(vs).findings.map((f) => [f.path, f.message, f.fix])).toEqual([
      ['spec.http[0].match[0].uri.prefix', '"/api/v[0-9]+/.*" looks like a regular expression, but prefix matches it literally', 'write regex: "/api/v[0-9]+/.*" (RE2, matches the whole path)'],
      ['spec.http[0].match[1].headers.x-v.exact', '"^v2$" looks like a regular expression, but exact matches it literally', 'write regex: "^v2$" (RE2, matches the whole value)'],
    ]);
    const route = 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: { name: h }\nspec:\n  rules:\n  - matches: [{ path: { type: PathPrefix, value: "/api/.*" } }, { path: { value: "/static/*" } }]\n    backendRefs: [{ name: a, port: 80 }]\n';
    expect(lint(route).findings.map((f) => [f.path, f.fix])).toEqual([
      ['spec.rules[0].matches[0].path.value', 'write type: RegularExpression (value "/api/.*"; RE2 in most implementations)'],
      ['spec.rules[0].matches[1].path.value', 'write type: PathPrefix, value: /static — a path prefix already matches /static and everything below it'],
    ]);
    // A literal prefix with a dot is fine.
    expect(lint(vs.replace('/api/v[0-9]+/.*', '/v1.2/api').replace('^v2$', 'v2')).findings).toEqual([]);
  });

  it('a missing weight and an unknown field get fixes of their own', () => {
    const vs = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: w }\nspec:\n  hosts: [a]\n  http:\n  - route:\n    - { destination: { host: a, subset: v1 }, weight: 80 }\n    - { destination: { host: a, subset: v2 }, wieght: 20 }\n';
    expect(lint(vs).findings.map((f) => [f.path, f.fix])).toEqual([
      ['spec.http[0].route', 'give the destination without weight weight: 20'],
      ['spec.http[0].route[1].wieght', 'rename wieght to weight'],
    ]);
  });

  it('every finding of every invalid case carries a fix, and no fix is the generic one', () => {
    const cases = [...lintCases, ...istioCases, ...stricterCases].filter((c) => !c.valid);
    expect(cases.length).toBeGreaterThan(20);
    for (const c of cases) {
      const findings = lint(c.yaml).findings;
      expect(findings.length, c.name).toBeGreaterThan(0);
      for (const f of findings) {
        expect(f.fix, `${c.name}: ${f.path}`).toMatch(/\S/);
        expect(f.fix).not.toMatch(/fix each field/);
      }
    }
  });

  it('sorts findings by file (in input order), then line', () => {
    const vs = (name: string) => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: ${name} }\nspec:\n  hosts: [a]\n  http:\n  - route: [{ destination: { host: a }, weight: 10 }, { destination: { host: b }, weight: 10 }]\n    timeout: 5 seconds\n    retries: { attempts: 0, perTryTimeout: 1s }\n    mirrorPercentage: { value: 200 }\n  bogus: 1\n`;
    const result = lintManifests([{ file: 'z.yaml', text: vs('z') }, { file: 'a.yaml', text: `${vs('a1')}---\n${vs('a2')}` }]);
    const keys = result.findings.map((f) => [f.file, f.line] as const);
    expect(new Set(keys.map(([file]) => file))).toEqual(new Set(['z.yaml', 'a.yaml']));
    expect(keys.findIndex(([file]) => file === 'a.yaml')).toBeGreaterThan(keys.map(([file]) => file).lastIndexOf('z.yaml'));
    for (let i = 1; i < keys.length; i++) if (keys[i]![0] === keys[i - 1]![0]) expect(keys[i]![1]).toBeGreaterThanOrEqual(keys[i - 1]![1]);
    expect(result.findings.length).toBeGreaterThanOrEqual(15);
  });
});

describe('API versions only earlier or experimental releases serve', () => {
  const tcpRoute = (apiVersion: string, extra = '') => `apiVersion: ${apiVersion}\nkind: TCPRoute\nmetadata: { name: tcp-echo }\nspec:\n  parentRefs: [{ name: gw }]\n  rules:\n  - backendRefs: [{ name: tcp-echo, port: 9000 }]\n${extra}`;

  it('a v1alpha2 TCPRoute is a warning naming the releases that serve it, an error with --strict', () => {
    const [warning, ...rest] = lint(tcpRoute('gateway.networking.k8s.io/v1alpha2')).findings;
    expect(rest).toEqual([]);
    expect(warning!.severity).toBe('warning');
    expect(formatFindingAt(warning!)).toBe(
      'm.yaml:1:1: warning: TCPRoute/tcp-echo apiVersion: TCPRoute gateway.networking.k8s.io/v1alpha2 is not served by the bundled CRDs (Gateway API v1.7.0 standard channel); served by Gateway API releases up to v1.5 (experimental channel) and v1.6 (deprecated)',
    );
    expect(warning!.fix).toMatch(/^write apiVersion: gateway\.networking\.k8s\.io\/v1 \(served since v1\.6\)/);
    expect(lint(tcpRoute('gateway.networking.k8s.io/v1alpha2'), 'm.yaml', true).findings.map((f) => f.severity)).toEqual(['error']);
    expect(lint(tcpRoute('gateway.networking.k8s.io/v1')).findings).toEqual([]);
  });

  it('still checks it against that version\'s own schema', () => {
    const found = lint(tcpRoute('gateway.networking.k8s.io/v1alpha2', '  bogus: 1\n')).findings;
    expect(found.map((f) => `${f.severity} ${f.path}`)).toEqual(['warning apiVersion', 'error spec.bogus']);
  });

  it('a version no release serves stays an error', () => {
    expect(lint(tcpRoute('gateway.networking.k8s.io/v9')).findings.map((f) => [f.severity, f.message, f.fix])).toEqual([
      ['error', 'TCPRoute is not served in gateway.networking.k8s.io/v9', 'write apiVersion: gateway.networking.k8s.io/v1'],
    ]);
  });
});
