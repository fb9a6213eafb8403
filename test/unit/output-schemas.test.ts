// The JSON Schemas of the machine-readable outputs (schema/output/<Kind>.schema.json):
// each compiles under ajv's strict mode, describes a `shipline.dev/v1` document of its own
// kind, and is documented in the README. Real command output is validated against them
// by the e2e tests (output-*.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../pipelines/project-root.js';
import { applyReport, deleteReport, diffReport } from '../../scripts/commands/cluster-output.js';
import { formatReport } from '../../scripts/command-kit/output-format.js';
import { parseObjects } from '../../pipelines/cluster/documents.js';

const dir = join(projectRoot, 'schema', 'output');
const kinds = readdirSync(dir).filter((f) => f.endsWith('.schema.json')).map((f) => f.replace('.schema.json', ''));
const schema = (kind: string) => JSON.parse(readFileSync(join(dir, `${kind}.schema.json`), 'utf8')) as { properties: Record<string, unknown> };
const compile = (kind: string) => new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }).compile(schema(kind));

describe('output schemas', () => {
  it('exist for every document the commands print', () => {
    expect(kinds).toEqual(expect.arrayContaining(['ApplyResult', 'BundleInspection', 'BundleVerification', 'DeleteResult', 'DiffResult', 'ManifestList', 'RolloutStatus', 'RoutingCheck']));
  });

  for (const kind of kinds) {
    it(`${kind}: compiles strictly, fixes apiVersion and kind, and is in the README`, () => {
      expect(() => compile(kind)).not.toThrow();
      expect(schema(kind).properties.apiVersion).toEqual({ const: 'shipline.dev/v1' });
      expect(schema(kind).properties.kind).toEqual({ const: kind });
      const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
      expect(readme.includes(`schema/output/${kind}.schema.json`), `README's "Machine-readable output" names schema/output/${kind}.schema.json`).toBe(true);
    });
  }

  it('reject a document of another kind, another apiVersion, or an unknown field', async () => {
    const objects = parseObjects('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n', 'a.yaml');
    const applied = JSON.parse(await formatReport('json', applyReport([{ object: objects[0]!, namespace: 'default', action: 'created' }], false))) as Record<string, unknown>;
    const validate = compile('ApplyResult');
    expect(validate(applied), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...applied, kind: 'DeleteResult' })).toBe(false);
    expect(validate({ ...applied, apiVersion: 'shipline.dev/v2' })).toBe(false);
    expect(validate({ ...applied, extra: 1 })).toBe(false);
  });

  it('delete and diff documents of the same objects validate, with names as kubectl prints them', async () => {
    const [cm, route] = parseObjects('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\n', 'x.yaml');
    const deleted = deleteReport([{ object: route!, namespace: 'default', action: 'not found' }, { object: cm!, namespace: 'default', action: 'deleted' }]);
    expect(compile('DeleteResult')(JSON.parse(await formatReport('json', deleted)))).toBe(true);
    expect(await formatReport('name', deleted)).toBe('configmap/a\n');
    const diffed = diffReport([{ object: cm!, namespace: 'default', action: 'unchanged', diff: '' }, { object: route!, namespace: 'default', action: 'configured', diff: '--- live\n+++ applied\n' }]);
    expect(compile('DiffResult')(JSON.parse(await formatReport('json', diffed)))).toBe(true);
    expect(await formatReport('name', diffed)).toBe('httproute.gateway.networking.k8s.io/r\n');
  });
});
