// Errors a person can act on: the field's line and column, a specific fix for the usual
// YAML and match mistakes, and fix lines that point at `shipline explain`, never at a source file.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRouting } from '../../manifests/intent.js';
import { literalMatchProblem } from '../../manifests/literal-match.js';
import { loadConfig } from '../../pipelines/config/load.js';
import { explainHint, readYamlDocument } from '../../pipelines/model/config-issues.js';
import { projectRoot } from '../../pipelines/project-root.js';
import { errorOf } from '../support/error-of.js';

const routing = (rules: unknown[]) => ({ name: 'link', hosts: ['link.example.com'], service: 'link', rules });

describe('literal matches', () => {
  it('refuses a regex-looking prefix, suggesting regex:', () => {
    expect(literalMatchProblem('prefix', '^/service1/.*', true)).toBe(
      '"^/service1/.*" looks like a regular expression, but prefix matches it literally; write regex: "^/service1/.*" (RE2, matches the whole path)',
    );
    for (const value of ['/api/v[0-9]+$', '/a/.+', '/a\\d']) expect(literalMatchProblem('prefix', value, true)).toMatch(/looks like a regular expression/);
  });

  it('refuses a glob in a path prefix, suggesting the plain prefix', () => {
    expect(literalMatchProblem('prefix', '/service1/*', true)).toBe(
      '"/service1/*" is a glob, but prefix matches it literally (no wildcards); write prefix: /service1 — a path prefix already matches /service1 and everything below it',
    );
    expect(literalMatchProblem('prefix', '/*', true)).toMatch(/write prefix: \/ —/);
    expect(literalMatchProblem('exact', '/a/**', true)).toMatch(/exact matches it literally; write prefix: \/a/);
  });

  it('accepts ordinary values, and stars in header values', () => {
    for (const value of ['/service1', '/', '/a.b/c-d_e', '/v1.2']) expect(literalMatchProblem('prefix', value, true)).toBeUndefined();
    expect(literalMatchProblem('exact', 'Mozilla/5.0 *', false)).toBeUndefined();
  });

  it('reports them through parseRouting with the field path', () => {
    const error = errorOf(() => parseRouting(routing([{ match: { path: { prefix: '^/service1/.*' } }, to: [{ service: 's1' }] }, { match: { path: { prefix: '/service2/*' } }, to: [{ service: 's2' }] }, { to: [{ service: 'link' }] }]), 'shipline.yaml'));
    expect(error.message).toContain('shipline.yaml: routing.rules[0].match.path.prefix: "^/service1/.*" looks like a regular expression');
    expect(error.message).toContain('shipline.yaml: routing.rules[1].match.path.prefix: "/service2/*" is a glob');
    expect(error.message).not.toContain('must start with /');
    expect(error.hint).toBe('fix each field named above; `shipline explain routing.rules.match.path.prefix` shows what the field takes, its default and an example');
  });
});

describe('positions and YAML fixes', () => {
  it('gives the line and column of each field, or of the nearest enclosing one when it is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipline-errors-'));
    writeFileSync(join(dir, 'shipline.yaml'), 'image:\n  repository: Bad/Repo\n  platfroms: [linux/amd64]\nrouting:\n  name: link\n  hosts: [a.example.com]\n  rules:\n    - to: [{ service: a }]\n      retries: { attempts: -1 }\n');
    const load = errorOf(() => loadConfig('shipline.yaml', dir));
    expect(load.message).toContain('shipline.yaml: image.repository: must be an image repository such as modco/link or 127.0.0.1:5000/modco/link (lowercase, no tag) (line 2, column 3)');
    expect(load.message).toContain('shipline.yaml: image.platfroms: unknown field; did you mean platforms? (line 3, column 3)');
    const read = readYamlDocument(join(dir, 'shipline.yaml'), 'shipline.yaml');
    const route = errorOf(() => parseRouting((read.value as { routing: unknown }).routing, 'shipline.yaml', read.positions));
    expect(route.message).toBe('shipline.yaml: routing.rules[0].retries.attempts: must be 0 or more (line 9, column 18)');
    writeFileSync(join(dir, 'missing.yaml'), 'routing:\n  hosts: [a.example.com]\n  rules: [{ to: [{ service: a }] }]\n');
    const readMissing = readYamlDocument(join(dir, 'missing.yaml'), 'missing.yaml');
    const missing = errorOf(() => parseRouting((readMissing.value as { routing: unknown }).routing, 'missing.yaml', readMissing.positions));
    // Positions travel as values: the same issue without them names no line.
    expect(errorOf(() => parseRouting((readMissing.value as { routing: unknown }).routing, 'missing.yaml')).message).toBe('missing.yaml: routing.name: missing (required)');
    expect(missing.message).toBe('missing.yaml: routing.name: missing (required) (line 1, column 1)');
  });

  it('says to indent with spaces when a tab indents a line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipline-errors-'));
    writeFileSync(join(dir, 'shipline.yaml'), 'image:\n\trepository: a/b\n');
    const error = errorOf(() => loadConfig('shipline.yaml', dir));
    expect(error.message).toBe('shipline.yaml: line 2, column 1: Tabs are not allowed as indentation');
    expect(error.hint).toMatch(/^YAML indents with spaces only: replace the tab/);
  });

  it('points fixes at shipline explain', () => {
    expect(explainHint([{ path: 'routing.rules[2].retries.on', message: 'x' }])).toBe('`shipline explain routing.rules.retries.on` shows what the field takes, its default and an example');
    expect(explainHint([{ path: 'rollout.gates.htp', message: 'unknown field' }])).toMatch(/^`shipline explain rollout.gates`/);
    expect(explainHint([{ path: 'imgae', message: 'unknown field; expected one of image' }])).toMatch(/^`shipline explain` lists the sections/);
  });
});

describe('fix lines', () => {
  it('never name a source file', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts')) {
          for (const m of readFileSync(path, 'utf8').matchAll(/(hint:\s*[`'"]|fix each)[^\n]*?\b[\w/-]+\.ts\b/g)) offenders.push(`${path}: ${m[0]}`);
        }
      }
    };
    for (const dir of ['scripts', 'pipelines', 'manifests']) walk(join(projectRoot, dir));
    expect(offenders).toEqual([]);
  });
});
