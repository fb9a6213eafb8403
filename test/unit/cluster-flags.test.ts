import { describe, expect, it } from 'vitest';
import { parseTimeoutFlag } from '../../pipelines/cluster/timeout-flag.js';
import { InputError } from '../../pipelines/errors.js';

describe('delete --timeout', () => {
  it('takes seconds or a duration', () => {
    expect(parseTimeoutFlag('120')).toBe(120_000);
    expect(parseTimeoutFlag('1.5')).toBe(1_500);
    expect(parseTimeoutFlag('2m')).toBe(120_000);
    expect(parseTimeoutFlag('1m30s')).toBe(90_000);
  });

  it('refuses what is not a positive time (exit 2) instead of waiting for ever', () => {
    for (const bad of ['abc', '', '0', '-5', '5x', 'NaN', 'Infinity']) {
      expect(() => parseTimeoutFlag(bad)).toThrow(InputError);
    }
    expect(() => parseTimeoutFlag('abc')).toThrow('--timeout abc: not a positive number of seconds or a duration');
  });
});
