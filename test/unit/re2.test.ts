// RE2 as Envoy and Gateway API implementations read regexes, and the literal prefix the
// precedence check compares.
import { describe, expect, it } from 'vitest';
import { literalPrefix, re2Error, re2FullMatch } from '../../manifests/re2.js';

describe('re2', () => {
  it('refuses what RE2 does not have, accepts the rest', () => {
    expect(re2Error('^/service1/(?!admin).*')).toBe('invalid or unsupported Perl syntax: `(?!`');
    expect(re2Error('(?<=a)b')).toBe('invalid named capture: `(?<=a)b`');
    expect(re2Error('(a)\\1')).toBe('invalid escape sequence: `\\1`');
    expect(re2Error('^/api/v[0-9]+/(users|orders)$')).toBeUndefined();
  });

  it('matches the whole value, as Envoy does', () => {
    expect(re2FullMatch('/api/v[0-9]+', '/api/v2')).toBe(true);
    expect(re2FullMatch('/api/v[0-9]+', '/api/v2/x')).toBe(false);
    expect(re2FullMatch('(?!x)', 'a')).toBeUndefined();
  });

  it('finds the literal prefix every match starts with, or none when unsure', () => {
    expect(literalPrefix('^/service1/.*')).toBe('/service1/');
    expect(literalPrefix('/api/v[0-9]+')).toBe('/api/v');
    expect(literalPrefix('/a\\.b/c')).toBe('/a.b/c');
    expect(literalPrefix('/items?')).toBe('/item');
    expect(literalPrefix('/a|/b')).toBe('');
    expect(literalPrefix('(/a|/b)/c')).toBe('');
    expect(literalPrefix('/x/(a|b)')).toBe('/x/');
    expect(literalPrefix('[/]a')).toBe('');
  });
});
