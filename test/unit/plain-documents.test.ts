// apply, diff and delete read manifests through js-yaml where it reads them as the `yaml`
// library does: the same objects, document numbers and messages as parseObjects, for every
// manifest in the repository and for scalars and layouts where the two libraries differ.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseObjectsQuickly } from '../../pipelines/cluster/plain-documents.js';
import { parseObjects } from '../../pipelines/model/kube-documents.js';

const outcome = (parse: typeof parseObjects, text: string): string => {
  try {
    return JSON.stringify(parse(text, 'in.yaml'));
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
};

const configMap = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  k: ${value}\n  l: [${value}]\n`;
const object = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

const scalars = ['yes', 'on', 'True', 'NULL', '~', '-0', '+1', '017', '0o17', '0x1F', '0b101', '-0b1', '+0x1', '1_000', '1e3', '1.', '.5', '+.5', '-.5', '-.inf', '.NaN', '1e400',
  '12345678901234567890', '2020-01-01', '12:30', '"a\\tb"', "'it''s'", '"\\u00e9"', '"\\x41\\N"', '😀', 'a #c', '[1, {a: b}]', '{}', '!!str 3', '!custom x', '*undefined'];
const layouts = ['', '---\n', '---\n---\n', '# only a comment\n', '...\n', `${object('a')}...\n---\n# c\n---\n${object('b')}`, '- a\n- b\n', 'just a string\n', 'a: 1\na: 2\n',
  'a: &x 1\nb: *x\n', 'kind: List\napiVersion: v1\nitems:\n- {apiVersion: v1, kind: A, metadata: {name: b}}\n- 3\n', 'a:\n\tb: 1\n', 'a: b: c\n', '<<: {a: 1}\n', '? a\n: c\n', '%YAML 1.1\n---\na: 1\n',
  `${object('m')}data:\n  a: &m {x: 1}\n  b: *m\n  c: [*m, *m]\n`, `${object('many')}data:\n  a: &s x\n  m: &m {${Array.from({ length: 10 }, (_, i) => `k${i}: *s`).join(', ')}}\n${Array.from({ length: 11 }, (_, i) => `  n${i}: *m\n`).join('')}`];

describe('parseObjectsQuickly', () => {
  it('reads every YAML and JSON file of the repository as parseObjects does', () => {
    // Files over 64 kB (the CRDs) are left out to keep this quick; they hold no other kind of YAML.
    const files = ['examples', 'manifests', 'scripts', 'service', 'test']
      .flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)))
      .filter((f) => /\.(ya?ml|json)$/.test(f) && statSync(f).size < 65_536);
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(outcome(parseObjectsQuickly, text), file).toBe(outcome(parseObjects, text));
    }
  });

  it.each(scalars)('reads the scalar %s as parseObjects does', (value) => {
    expect(outcome(parseObjectsQuickly, configMap(value))).toBe(outcome(parseObjects, configMap(value)));
  });

  it.each(layouts)('reads %j (alone, before and after an object) as parseObjects does, messages included', (layout) => {
    for (const text of [layout, `${layout}---\n${object('after')}`, `${object('before')}---\n${layout}`]) {
      expect(outcome(parseObjectsQuickly, text)).toBe(outcome(parseObjects, text));
    }
  });

  it('refuses an alias bomb as parseObjects does', () => {
    const bomb = `${object('bomb')}data:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n`;
    expect(outcome(parseObjectsQuickly, bomb)).toMatch(/^error: .*Excessive alias count/);
  });
});
