// Image tags: date tags from an injected clock with a free-suffix rule, and semver tags
// from a git tag. Pure: the clock, the git tag and the registry's tags are inputs.
import semver from 'semver';
import { InputError } from '../errors.js';

export interface TagInputs {
  spec: string;
  clock: Date;
  timezone?: string;
  gitTag?: string;
  /** Tags already in the target repository; undefined when the registry was not asked. */
  existingTags?: readonly string[];
  force?: boolean;
}

export interface TagDecision {
  tag: string;
  /** The tag the spec asked for, when the free-suffix rule moved away from it. */
  requested?: string;
  source: 'date' | 'semver' | 'literal';
}

export function dateTag(clock: Date, timezone = 'UTC'): string {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(clock);
  } catch {
    throw new InputError(`image.timezone: unknown time zone ${JSON.stringify(timezone)}`, {
      hint: 'use an IANA name such as UTC or Europe/Berlin',
    });
  }
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}${get('month')}${get('day')}`;
}

/** `v1.2.3` → `1.2.3`; pre-releases kept (`v2.0.0-rc.1` → `2.0.0-rc.1`). */
export function semverTag(gitTag: string | undefined): string {
  if (!gitTag) {
    throw new InputError('image.tag: semver needs a git tag, but HEAD has none and no tag was given', {
      hint: 'run on a tagged commit (git tag v1.2.3), pass --git-tag v1.2.3, or set image.tag to date or a literal',
    });
  }
  const name = gitTag.replace(/^refs\/tags\//, '');
  const parsed = semver.parse(name.replace(/^v/, ''));
  if (!parsed || !/^v?\d/.test(name)) {
    throw new InputError(`image.tag: git tag ${JSON.stringify(name)} is not a semantic version`, {
      hint: 'tag releases as vMAJOR.MINOR.PATCH, e.g. v1.2.3 or v2.0.0-rc.1',
    });
  }
  // Docker tags may not hold '+': build metadata follows a '_'.
  return parsed.build.length > 0 ? `${parsed.version}_${parsed.build.join('.')}` : parsed.version;
}

/** The first of base, base.1, base.2, ... that is not taken. */
export function nextFreeDateTag(base: string, existing: readonly string[]): string {
  const taken = new Set(existing);
  if (!taken.has(base)) return base;
  for (let n = 1; ; n++) {
    if (!taken.has(`${base}.${n}`)) return `${base}.${n}`;
  }
}

export function decideTag(inputs: TagInputs): TagDecision {
  const existing = inputs.existingTags ?? [];
  if (inputs.spec === 'date') {
    const base = dateTag(inputs.clock, inputs.timezone);
    const tag = inputs.force ? base : nextFreeDateTag(base, existing);
    return tag === base ? { tag, source: 'date' } : { tag, requested: base, source: 'date' };
  }
  const source = inputs.spec === 'semver' ? 'semver' : 'literal';
  const tag = source === 'semver' ? semverTag(inputs.gitTag) : inputs.spec;
  return { tag, source };
}

/**
 * A date tag that a concurrent release took between the check and the write: the next free
 * one after it (the registry's tags may not list the taken one yet).
 */
export function nextDateTagAfterRace(taken: TagDecision, existing: readonly string[]): TagDecision {
  const base = taken.requested ?? taken.tag;
  return { tag: nextFreeDateTag(base, [...existing, taken.tag]), requested: base, source: 'date' };
}

/** The date a --date or SOURCE_DATE_EPOCH names, or undefined. */
export function parseClock(date: string | undefined, sourceDateEpoch: string | undefined): Date | undefined {
  if (date !== undefined) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
    const parsed = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined;
    if (!parsed || parsed.toISOString().slice(0, 10) !== date) {
      throw new InputError(`--date: ${JSON.stringify(date)} is not a date`, { hint: 'use YYYY-MM-DD, e.g. --date 2024-01-26' });
    }
    return parsed;
  }
  if (sourceDateEpoch !== undefined && sourceDateEpoch !== '') {
    if (!/^\d+$/.test(sourceDateEpoch)) {
      throw new InputError(`SOURCE_DATE_EPOCH: ${JSON.stringify(sourceDateEpoch)} is not a number of seconds`, {
        hint: 'set it to a Unix timestamp, e.g. $(git log -1 --format=%ct)',
      });
    }
    return new Date(Number(sourceDateEpoch) * 1000);
  }
  return undefined;
}
