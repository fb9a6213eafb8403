import { describe, expect, it } from 'vitest';
import { count } from '../../pipelines/plural.js';

describe('counts in messages', () => {
  it('put the noun in the number of the count', () => {
    expect(count(1, 'tag')).toBe('1 tag');
    expect(count(0, 'tag')).toBe('0 tags');
    expect(count(2, 'blob')).toBe('2 blobs');
    expect(count(2, 'index', 'indexes')).toBe('2 indexes');
  });
});
