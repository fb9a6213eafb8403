// Validation of the routing intent: every bad input named in issue 3 gives an
// InputError (exit 2) whose message names file, field path and fix — all at once.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseRouting, routingJsonSchema } from '../../manifests/intent.js';
import { describeError, ExitCode, exitCodeOf, InputError } from '../../pipelines/errors.js';
import { readRouting } from '../../manifests/read-routing.js';

const base = {
  name: 'canary-release',
  hosts: ['example.com'],
  gateways: ['my-gateway'],
  service: 'my-service',
  port: 80,
  subsets: { v1: { version: 'v1' }, v2: { version: 'v2' } },
};

/** The error of parsing `routing` (base fields overridden by `patch`). */
function errorOf(patch: Record<string, unknown>): InputError {
  try {
    parseRouting({ ...base, ...patch }, 'shipline.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect(exitCodeOf(error)).toBe(ExitCode.invalidInput);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

const rules = (yaml: string) => ({ rules: parse(yaml) as unknown });

describe('parseRouting', () => {
  it('accepts the issue example and applies defaults', () => {
    const intent = parseRouting({ ...base, rules: [{ to: [{ subset: 'v1' }] }] }, 'shipline.yaml');
    expect(intent.namespace).toBe('default');
    expect(intent.rules[0]!.to).toEqual([{ subset: 'v1' }]);
  });

  const cases: [string, Record<string, unknown>, string][] = [
    ['weights that do not sum to 100', rules('[{ to: [{ subset: v1, weight: 90 }, { subset: v2, weight: 20 }] }]'), 'shipline.yaml: routing.rules[0].to: weights sum to 110, must be 100'],
    ['a missing weight among several destinations', rules('[{ to: [{ subset: v1, weight: 80 }, { subset: v2 }] }]'), 'routing.rules[0].to[1].weight: missing; with 2 destinations each needs a weight, together 100'],
    ['a weight on the only destination', rules('[{ to: [{ subset: v1, weight: 50 }] }]'), 'routing.rules[0].to[0].weight: a single destination takes all traffic'],
    ['a negative percentage', rules('[{ to: [{ subset: v1 }], mirror: { subset: v2, percent: -5 } }]'), 'routing.rules[0].mirror.percent: must be between 0 and 100'],
    ['a percentage over 100', rules('[{ to: [{ subset: v1 }], fault: { delay: { percent: 150, fixed: 5s } } }]'), 'routing.rules[0].fault.delay.percent: must be between 0 and 100'],
    ['a duration in words', rules('[{ to: [{ subset: v1 }], timeout: 5 seconds }]'), 'routing.rules[0].timeout: must be a duration such as 5s, 500ms, 1m or 1m30s'],
    ['a negative duration', rules('[{ to: [{ subset: v1 }], retries: { attempts: 3, perTryTimeout: -1s } }]'), 'routing.rules[0].retries.perTryTimeout: must be a duration'],
    ['a zero duration', rules('[{ to: [{ subset: v1 }], fault: { delay: { percent: 5, fixed: 0s } } }]'), 'routing.rules[0].fault.delay.fixed: must be at least 1ms'],
    ['a per-try timeout longer than the timeout', rules('[{ to: [{ subset: v1 }], timeout: 2s, retries: { attempts: 3, perTryTimeout: 3s } }]'), 'routing.rules[0].retries.perTryTimeout: 3s is longer than timeout 2s'],
    ['an HTTP status out of range', rules('[{ to: [{ subset: v1 }], fault: { abort: { percent: 10, status: 600 } } }]'), 'routing.rules[0].fault.abort.status: must be an HTTP status 200-599'],
    ['a subset used but not defined', rules('[{ to: [{ subset: v3 }] }]'), 'routing.rules[0].to[0].subset: v3 is not defined in routing.subsets (defined: v1, v2)'],
    ['a misspelt subset', rules('[{ to: [{ subset: v1 }], mirror: { subset: V2 } }]'), 'routing.rules[0].mirror.subset: must be a DNS-1123 label'],
    ['a subset of another service', rules('[{ to: [{ service: other, subset: v1 }] }]'), 'routing.rules[0].to[0].subset: subsets belong to routing.service (my-service), not other'],
    ['an empty to', rules('[{ to: [] }]'), 'routing.rules[0].to: needs at least one destination'],
    ['a destination naming nothing', rules('[{ to: [{ port: 80 }] }]'), 'routing.rules[0].to[0]: names neither service nor subset'],
    ['a match with no condition', rules('[{ match: {}, to: [{ subset: v1 }] }]'), 'routing.rules[0].match: has no condition; add path or headers, or remove match'],
    ['a path with two kinds', rules('[{ match: { path: { prefix: /a, exact: /a } }, to: [{ subset: v1 }] }]'), 'routing.rules[0].match.path: set exactly one of exact, prefix, regex (found exact, prefix)'],
    ['a path without a leading slash', rules('[{ match: { path: { prefix: api } }, to: [{ subset: v1 }] }]'), 'routing.rules[0].match.path.prefix: a path must start with /'],
    ['a bad regex', rules('[{ match: { path: { regex: "([a-z" } }, to: [{ subset: v1 }] }]'), 'routing.rules[0].match.path.regex: is not a valid regular expression'],
    ['a lookahead (not RE2, issue 14.14)', rules('[{ match: { path: { regex: "^/service1/(?!admin).*" } }, to: [{ subset: v1 }] }]'), 'routing.rules[0].match.path.regex: is not a valid regular expression for Envoy and Gateway API implementations, which use RE2 (invalid or unsupported Perl syntax: `(?!`)'],
    ['a backreference in a header regex', rules('[{ match: { headers: { x-a: { regex: "(a)\\\\1" } } }, to: [{ subset: v1 }] }]'), 'routing.rules[0].match.headers.x-a.regex: is not a valid regular expression for Envoy and Gateway API implementations, which use RE2 (invalid escape sequence: `\\1`)'],
    ['an upper-case header name', rules('[{ match: { headers: { User: { exact: x } } }, to: [{ subset: v1 }] }]'), 'routing.rules[0].match.headers.User: key "User" must be a lowercase HTTP header name'],
    ['an unknown key (typo)', rules('[{ to: [{ subset: v1, wieght: 100 }] }]'), 'routing.rules[0].to[0].wieght: unknown field; did you mean weight?'],
    ['an unknown top-level key', { hostz: ['a.example.com'] }, 'routing.hostz: unknown field; did you mean hosts?'],
    ['an unknown retry condition', rules('[{ to: [{ subset: v1 }], retries: { attempts: 2, on: "5xx,rest" } }]'), 'routing.rules[0].retries.on: unknown retry condition "rest"; did you mean reset?'],
    ['a rule after a catch-all', rules('[{ to: [{ subset: v1 }] }, { match: { path: { prefix: /a } }, to: [{ subset: v2 }] }]'), 'routing.rules[1]: unreachable: rules[0] has no match and catches every request (first match wins)'],
    ['a rule hidden by a broader prefix', rules('[{ match: { path: { prefix: /api } }, to: [{ subset: v1 }] }, { match: { path: { prefix: /api/v2 } }, to: [{ subset: v2 }] }]'), 'routing.rules[1]: unreachable: rules[0] matches every request it matches'],
    ['duplicate rule names', rules('[{ name: a, match: { path: { prefix: /a } }, to: [{ subset: v1 }] }, { name: a, to: [{ subset: v2 }] }]'), 'routing.rules[1].name: a is already the name of rules[0]'],
    ['an invalid name', { name: 'Canary_Release', rules: [{ to: [{ subset: 'v1' }] }] }, 'routing.name: must be a DNS-1123 name'],
    ['an invalid host', { hosts: ['exa mple.com'], rules: [{ to: [{ subset: 'v1' }] }] }, 'routing.hosts[0]: must be a DNS name such as example.com'],
    ['a port out of range', { port: 70000, rules: [{ to: [{ subset: 'v1' }] }] }, 'routing.port: must be a port between 1 and 65535'],
    ['a port that is not a number', { port: '80', rules: [{ to: [{ subset: 'v1' }] }] }, 'routing.port: must be a port number'],
    ['subsets without a service', { service: undefined, rules: [{ to: [{ service: 'a' }] }] }, 'routing.service: missing; subsets are subsets of routing.service'],
    ['a subset without labels', { subsets: { v1: {} }, rules: [{ to: [{ subset: 'v1' }] }] }, 'routing.subsets.v1: has no labels'],
    ['no rules', { rules: [] }, 'routing.rules: needs at least one rule'],
    ['an unknown API', { api: 'linkerd', rules: [{ to: [{ subset: 'v1' }] }] }, 'routing.api: must be auto, istio or gateway-api'],
    ['a missing field', { hosts: undefined, rules: [{ to: [{ subset: 'v1' }] }] }, 'routing.hosts: missing (required)'],
  ];
  for (const [what, patch, expected] of cases) {
    it(`rejects ${what}`, () => {
      const error = errorOf(patch);
      expect(error.message).toContain(expected);
      expect(describeError(error)).toMatch(/\n {2}fix: /);
    });
  }

  it('reports every problem of a file at once, schema and rule problems together', () => {
    const error = errorOf({
      port: 0,
      rules: [
        { to: [{ subset: 'v1', weight: 90 }, { subset: 'v2', weight: 20 }] },
        { to: [{ subset: 'v9' }], timeout: 'soon' },
      ],
    });
    expect(error.message.split('\n')).toEqual([
      'shipline.yaml is invalid:',
      '  shipline.yaml: routing.port: must be a port between 1 and 65535',
      '  shipline.yaml: routing.rules[1].timeout: must be a duration such as 5s, 500ms, 1m or 1m30s (digits then h, m, s or ms)',
      '  shipline.yaml: routing.rules[0].to: weights sum to 110, must be 100',
    ]);
  });

  it('checks rules that parse even when others do not', () => {
    const error = errorOf(rules('[{ to: [{ subset: v1, weight: 70 }, { subset: v2, weight: 20 }] }, { to: "v2" }, { to: [{ subset: nope }] }]'));
    expect(error.message).toContain('routing.rules[0].to: weights sum to 90, must be 100');
    expect(error.message).toContain('routing.rules[1].to: must be a list, not string "v2"');
    expect(error.message).toContain('routing.rules[2].to[0].subset: nope is not defined');
  });
});

describe('parseRouting with a typo and a rule problem in the same rule', () => {
  it('reports both: unknown keys do not hide the weights', () => {
    const error = errorOf(rules('[{ to: [{ subset: v1, weight: 90 }, { subset: v2, weight: 20, wieght: 1 }] }]'));
    expect(error.message).toContain('routing.rules[0].to[1].wieght: unknown field; did you mean weight?');
    expect(error.message).toContain('routing.rules[0].to: weights sum to 110, must be 100');
  });
});

describe('readRouting (the config file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shipline-routing-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const messageOf = (path: string) => {
    try {
      readRouting(path);
    } catch (error) {
      expect(exitCodeOf(error)).toBe(ExitCode.invalidInput);
      return (error as Error).message;
    }
    throw new Error('expected an error');
  };

  it('rejects a file that is not YAML, with line and column', () => {
    const path = file('broken.yaml', 'routing:\n  name: [a\n  hosts: }\n');
    expect(messageOf(path)).toMatch(/broken\.yaml: line \d+, column \d+: /);
  });

  it('rejects a document that is not a mapping', () => {
    expect(messageOf(file('scalar.yaml', 'just some text\n'))).toContain('scalar.yaml: (top level): must be a YAML mapping with a routing section');
  });

  it('rejects a config without routing', () => {
    expect(messageOf(file('norouting.yaml', 'image: { repository: a/b }\n'))).toContain('norouting.yaml: routing: missing; add a routing section');
  });

  it('rejects aliases that expand past a sane size', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [prev, name] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f']]) {
      lines.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    lines.push('routing: *f');
    expect(messageOf(file('bomb.yaml', `${lines.join('\n')}\n`))).toMatch(/bomb\.yaml: .*alias/i);
  });
});

describe('routingJsonSchema', () => {
  it('comes from the zod schema: fields, required, no unknown keys', () => {
    const schema = routingJsonSchema() as { properties: Record<string, unknown>; required: string[]; additionalProperties: boolean };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['name', 'hosts', 'gateways', 'service', 'subsets', 'rules']));
    expect(schema.required).toEqual(['name', 'hosts', 'rules']);
    expect(schema.additionalProperties).toBe(false);
  });
});
