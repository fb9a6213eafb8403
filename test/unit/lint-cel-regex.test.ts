// CEL's matches() in the CRDs' rules runs JavaScript's RegExp where it agrees with RE2
// (compiling with re2js costs tens of milliseconds per pattern and run): every pattern the
// shipped CRDs use is of that plain subset and gives RE2's verdict on tricky strings;
// anything else stays with re2js.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../pipelines/project-root.js';
import { celRegex, re2Compiled } from '../../manifests/re2.js';

const crds = join(projectRoot, 'manifests', 'crds');
const patterns = [
  ...new Set(
    readdirSync(crds)
      .filter((f) => f.endsWith('.yaml'))
      // Raw strings (r"""…""") as they are; quoted ones unescaped (YAML's '' and CEL's \\).
      .flatMap((f) => [...readFileSync(join(crds, f), 'utf8').matchAll(/matches\((?:r"""(.*?)"""|"(.*?)"|''(.*?)'')\)/g)].map((m) => m[1] ?? (m[2] ?? m[3]!).replaceAll("''", "'").replaceAll('\\\\', '\\'))),
  ),
];
const texts = ['', 'a', 'A-b', '-a', 'a-', 'foo.bar', 'FOO.Bar', '*.example.com', 'x/y', '%2F', '%zz', 'a\rb', 'a\nb', 'aé', 'é', 'a b', 'example.com/Foo_1', '.abc', 'a'.repeat(70), 'ab\u2028', 'ſ', 'K', '😀'];

describe('CEL regexes', () => {
  it('every pattern of the shipped CRDs runs natively and agrees with RE2', () => {
    expect(patterns.length).toBeGreaterThanOrEqual(5);
    for (const pattern of patterns) {
      const native = celRegex(pattern);
      expect(native instanceof RegExp, pattern).toBe(true);
      const re2 = re2Compiled(pattern);
      for (const text of texts) expect(native.test(text), `${pattern} on ${JSON.stringify(text)}`).toBe(re2.test(text));
    }
  });

  it('leaves patterns outside the plain subset to RE2', () => {
    for (const pattern of ['a.b', '\\s+', '\\w', '[\\d]x', '(?s)a']) expect(celRegex(pattern) instanceof RegExp, pattern).toBe(false);
    expect(celRegex('a.b').test('a\rb')).toBe(true);
    expect(() => celRegex('(?=x)')).toThrow(/not|invalid/);
  });
});
