import { describe, expect, it } from 'vitest';
import { dateTag, decideTag, nextDateTagAfterRace, nextFreeDateTag, parseClock, semverTag } from '../../pipelines/build/tag.js';
import { InputError } from '../../pipelines/errors.js';

describe('date tags', () => {
  const clock = new Date('2024-01-26T23:30:00Z');
  it('use the UTC date unless a time zone is set', () => {
    expect(dateTag(clock)).toBe('20240126');
    expect(dateTag(clock, 'Asia/Tokyo')).toBe('20240127');
    expect(() => dateTag(clock, 'Mars/Olympus')).toThrow(InputError);
  });
  it('take the next free YYYYMMDD.N when the tag exists, unless forced', () => {
    expect(nextFreeDateTag('20240126', [])).toBe('20240126');
    expect(nextFreeDateTag('20240126', ['20240126', '20240126.1', '20240126.3'])).toBe('20240126.2');
    expect(decideTag({ spec: 'date', clock, existingTags: ['20240126'] })).toEqual({ tag: '20240126.1', requested: '20240126', source: 'date' });
    expect(decideTag({ spec: 'date', clock, existingTags: ['20240126'], force: true }).tag).toBe('20240126');
  });
  it('move past a tag a concurrent release took at tag time, even before the tag list shows it', () => {
    expect(nextDateTagAfterRace({ tag: '20240126', source: 'date' }, [])).toEqual({ tag: '20240126.1', requested: '20240126', source: 'date' });
    expect(nextDateTagAfterRace({ tag: '20240126.1', requested: '20240126', source: 'date' }, ['20240126', '20240126.2']))
      .toEqual({ tag: '20240126.3', requested: '20240126', source: 'date' });
  });

  it('come from --date or SOURCE_DATE_EPOCH', () => {
    expect(parseClock('2024-01-26', undefined)?.toISOString()).toBe('2024-01-26T00:00:00.000Z');
    expect(parseClock(undefined, '1706227200')?.toISOString()).toBe('2024-01-26T00:00:00.000Z');
    expect(parseClock(undefined, undefined)).toBeUndefined();
    expect(() => parseClock('2024-02-30', undefined)).toThrow(/--date: "2024-02-30" is not a date/);
    expect(() => parseClock('26.01.2024', undefined)).toThrow(InputError);
    expect(() => parseClock(undefined, 'yesterday')).toThrow(/SOURCE_DATE_EPOCH/);
  });
});

describe('semver tags', () => {
  it('strip v and refs/tags/, keep pre-releases, and turn build metadata into a valid tag', () => {
    expect(semverTag('v1.2.3')).toBe('1.2.3');
    expect(semverTag('refs/tags/v2.0.0-rc.1')).toBe('2.0.0-rc.1');
    expect(semverTag('1.2.3')).toBe('1.2.3');
    expect(semverTag('v1.2.3+build.5')).toBe('1.2.3_build.5');
  });
  it('reject tags that are not versions, and a missing tag', () => {
    for (const bad of ['release-1', 'v1.2', 'vX', 'v01.2.3']) expect(() => semverTag(bad), bad).toThrow(/not a semantic version/);
    expect(() => semverTag(undefined)).toThrow(/semver needs a git tag/);
  });
  it('literal tags pass through', () => {
    expect(decideTag({ spec: 'stable', clock: new Date(), existingTags: ['stable'] })).toEqual({ tag: 'stable', source: 'literal' });
  });
});
