import { describe, expect, it } from 'vitest';
import { matchesExample, parseReadme } from '../support/readme-examples.js';

const where = { project: '/tmp/shipline-readme-x1', home: '/home/u', cache: '/home/u/.cache/shipline' };

describe('README example markers', () => {
  it('collect files and commands per section, in order, with the line of each command', () => {
    const text = [
      '## A',
      '<!-- example-file: shipline.yaml -->',
      '```yaml',
      'routing: {}',
      '```',
      '',
      '<!-- example -->',
      '```console',
      '$ shipline render',
      'kind: X',
      '$ shipline render --api istio',
      'kind: Y',
      '```',
      '## B',
      '<!-- example exit=2 -->',
      '```console',
      '$ shipline lint nothing.yaml',
      'shipline: nothing.yaml: cannot read',
      '```',
      '```console',
      '$ shipline check',
      '```',
    ].join('\n');
    const parsed = parseReadme(text);
    expect(parsed.sections.map((s) => s.heading)).toEqual(['A', 'B']);
    expect(parsed.sections[0]!.steps).toEqual([
      { kind: 'file', path: 'shipline.yaml', content: 'routing: {}\n', line: 2 },
      {
        kind: 'commands',
        line: 7,
        commands: [
          { command: 'shipline render', expected: 'kind: X\n', exitCode: 0, line: 9 },
          { command: 'shipline render --api istio', expected: 'kind: Y\n', exitCode: 0, line: 11 },
        ],
      },
    ]);
    expect(parsed.sections[1]!.steps[0]).toMatchObject({ commands: [{ exitCode: 2, expected: 'shipline: nothing.yaml: cannot read\n' }] });
    expect(parsed.unmarked).toEqual([20]);
  });

  it('refuse a marker without a block after it, and an example that is not a console block', () => {
    expect(() => parseReadme('<!-- example -->\ntext\n')).toThrow('README.md:1: an example marker must be followed by a fenced block');
    expect(() => parseReadme('<!-- example -->\n```yaml\na: 1\n```\n')).toThrow('is a ```console block');
  });

  it('compare literally except for the documented placeholders', () => {
    expect(matchesExample('a b\n', 'a b   \n\n', where)).toBe(true);
    expect(matchesExample('a b\n', 'a c\n', where)).toBe(false);
    expect(matchesExample('x (1.2)\n', 'x 1.2\n', where)).toBe(false);
    expect(matchesExample('pinned r@sha256:<digest>', `pinned r@sha256:${'ab'.repeat(32)}`, where)).toBe(true);
    expect(matchesExample('pinned r@sha256:<digest>', 'pinned r@sha256:abc', where)).toBe(false);
    expect(matchesExample('at <time> in <duration>', 'at 2026-11-26T22:39:25.123Z in 1.4 s', where)).toBe(true);
    expect(matchesExample('dockerd <version>', 'dockerd 20.10.24+dfsg1', where)).toBe(true);
    expect(matchesExample('--metadata-file ~/.cache/m.json <project>/x', '--metadata-file /home/u/.cache/m.json /tmp/shipline-readme-x1/x', where)).toBe(true);
    expect(matchesExample('a~/b', 'a/home/u/b', where)).toBe(false);
    expect(matchesExample('<cache>/build/m.json', '/home/u/.cache/shipline/build/m.json', where)).toBe(true);
  });
});
