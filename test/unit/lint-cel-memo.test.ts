// CEL rules are evaluated once per distinct value of a rule-bearing node within a run:
// the same failing value met again (in another rule, document or file) is reported again,
// at its own path; a value that differs is evaluated on its own.
import { beforeAll, describe, expect, it } from 'vitest';
import { formatFinding, lintManifests } from '../../manifests/lint.js';
import { warmLint, warmLintTimeout } from '../support/warm-lint.js';

beforeAll(warmLint, warmLintTimeout);

const route = (name: string, rules: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: ${name} }
spec:
  parentRefs: [{ name: gw }]
  rules:
${rules}`;

const redirectWithBackends = '  - filters: [{ type: RequestRedirect, requestRedirect: { scheme: https } }]\n    backendRefs: [{ name: a, port: 80 }]\n';
const plain = '  - backendRefs: [{ name: a, port: 80 }]\n';

describe('CEL findings of repeated values', () => {
  it('are reported for every occurrence, at each one\'s own path', () => {
    const result = lintManifests([
      { file: 'a.yaml', text: route('one', plain + redirectWithBackends) },
      { file: 'b.yaml', text: `${route('two', redirectWithBackends + plain + redirectWithBackends)}---\n${route('three', plain)}` },
    ]);
    expect(result.findings.map(formatFinding)).toEqual([
      'a.yaml: doc 1 (HTTPRoute/one): spec.rules[1]: RequestRedirect filter must not be used together with backendRefs',
      'b.yaml: doc 1 (HTTPRoute/two): spec.rules[0]: RequestRedirect filter must not be used together with backendRefs',
      'b.yaml: doc 1 (HTTPRoute/two): spec.rules[2]: RequestRedirect filter must not be used together with backendRefs',
    ]);
  });

  it('are the same on a second run in the same process, and a changed value is judged anew', () => {
    const first = lintManifests([{ file: 'a.yaml', text: route('one', redirectWithBackends) }]).findings.map(formatFinding);
    const again = lintManifests([{ file: 'a.yaml', text: route('one', redirectWithBackends) }]).findings.map(formatFinding);
    expect(again).toEqual(first);
    expect(first).toHaveLength(1);
    const fixed = lintManifests([{ file: 'a.yaml', text: route('one', redirectWithBackends.replace('    backendRefs: [{ name: a, port: 80 }]\n', '')) }]);
    expect(fixed.findings.map(formatFinding)).toEqual([]);
  });
});
