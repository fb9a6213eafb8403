// Lint findings carry the line and column of the offending field: the field itself when
// it exists, its nearest enclosing field when it is missing, and the YAML error's own
// position for a file that does not parse. The -o json document matches its schema.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatFindingAt, lintManifests } from '../../manifests/lint.js';
import { pathSegments, positionsIn } from '../../manifests/lint-positions.js';
import { projectRoot } from '../../pipelines/project-root.js';
import { lintDocument, lintSummary } from '../../scripts/commands/lint.js';
import { formatReport } from '../../scripts/command-kit/output-format.js';
import { warmLint, warmLintTimeout } from '../support/warm-lint.js';

beforeAll(warmLint, warmLintTimeout);

const route = `apiVersion: v1
kind: ConfigMap
metadata: { name: unrelated }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: demo
spec:
  parentRefs: [{ name: gw }]
  rules:
  - matches:
    - path: { type: PathPrefix, value: /a }
      bogus: 1
    filters:
    - type: RequestRedirect
      requestRedirect: { scheme: https }
    backendRefs:
    - name: a
`;

describe('finding positions', () => {
  it('splits field paths into keys and indexes', () => {
    expect(pathSegments('spec.rules[0].matches[12].path')).toEqual(['spec', 'rules', 0, 'matches', 12, 'path']);
    expect(pathSegments("metadata.labels['app.kubernetes.io/name']")).toEqual(['metadata', 'labels', 'app.kubernetes.io/name']);
    expect(pathSegments('(document)')).toEqual([]);
  });

  it('finds fields in flow and block style, keys holding dots, and falls back to the nearest existing field', () => {
    const at = positionsIn('a: 1\n---\nmetadata:\n  labels:\n    app.kubernetes.io/name: x\nspec:\n  list: [{ k: 1 }, { k: 2 }]\n');
    expect(at(2, 'metadata.labels.app.kubernetes.io/name')).toEqual({ line: 5, column: 5 });
    expect(at(2, 'spec.list[1].k')).toEqual({ line: 7, column: 22 });
    expect(at(2, 'spec.list[1].missing')).toEqual({ line: 7, column: 20 });
    expect(at(2, 'spec.nothing.deeper')).toEqual({ line: 6, column: 1 });
    expect(at(2, '(document)')).toEqual({ line: 3, column: 1 });
  });

  it('gives every lint finding the line and column of its field', () => {
    const result = lintManifests([{ file: 'route.yaml', text: route }]);
    expect(result.findings.map(formatFindingAt)).toEqual([
      // Sorted by line.
      'route.yaml:12:5: HTTPRoute/demo spec.rules[0]: RequestRedirect filter must not be used together with backendRefs',
      'route.yaml:14:7: HTTPRoute/demo spec.rules[0].matches[0].bogus: unknown field; expected one of headers, method, path, queryParams',
      'route.yaml:19:7: HTTPRoute/demo spec.rules[0].backendRefs[0]: Must have port for Service reference',
    ]);
    expect(result.documents).toBe(2);
    expect(result.checkedKinds).toEqual(['HTTPRoute']);
  });

  it('places a missing required field at its parent, and YAML errors where the parser stopped', () => {
    const missing = lintManifests([{ file: 'vs.yaml', text: 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: a }\nspec:\n  hosts: [a]\n  http:\n  - route:\n    - weight: 100\n' }]);
    expect(missing.findings.map(formatFindingAt)).toContain('vs.yaml:8:7: VirtualService/a spec.http[0].route[0].destination: missing (required)');
    const broken = lintManifests([{ file: 'bad.yaml', text: 'a: 1\nb: [1\nc: }\n' }]).findings[0]!;
    expect([broken.line, broken.column]).not.toEqual([1, 1]);
    expect(formatFindingAt(broken)).toMatch(new RegExp(`^bad\\.yaml:${broken.line}:${broken.column}: YAML: YAML syntax: `));
  });
});

describe('lint output', () => {
  const schema = JSON.parse(readFileSync(join(projectRoot, 'schema', 'output', 'LintResult.schema.json'), 'utf8')) as object;
  const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

  it('-o json of a lint with findings and of a clean lint validate against schema/output/LintResult.schema.json', async () => {
    for (const text of [route, route.split('---\n')[0]!]) {
      const result = lintManifests([{ file: 'route.yaml', text }]);
      const json = JSON.parse(await formatReport('json', { kind: 'LintResult', data: lintDocument(1, result, formatFindingAt), text: () => '' })) as Record<string, unknown>;
      expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
      expect(json.valid).toBe(result.findings.length === 0);
    }
    expect(validate({ apiVersion: 'shipline.dev/v1', kind: 'LintResult', valid: true, files: 0, documents: 0, checkedKinds: [], findings: [], notes: [], extra: 1 })).toBe(false);
  });

  it('a clean lint says what it read and checked in one line', () => {
    const result = lintManifests([{ file: 'a.yaml', text: route.split('---\n')[0]! }]);
    expect(lintSummary(1, result)).toBe('lint: 1 file, 1 document, no routing kind checked; no findings');
  });
});
