// Checks of the build's command-line inputs and output paths, with the same rules as
// the config schema, so that bad input fails (exit 2) before anything is built.
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { literalTag, platform } from '../config/schema.js';
import { InputError } from '../errors.js';

/** `--tag`: date, semver, or a literal tag valid in an OCI reference. */
export function checkTagOption(value: string, field = '--tag'): string {
  if (value === 'date' || value === 'semver') return value;
  const parsed = literalTag.safeParse(value);
  if (parsed.success) return value;
  throw new InputError(`${field}: ${JSON.stringify(value)} is not a valid tag: ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
    hint: 'a tag starts with a letter, digit or _, then up to 127 of [A-Za-z0-9_.-], e.g. 1.4.0 or 20240126; or use date / semver',
  });
}

/** `--platform a,b`: each entry os/arch[/variant], none twice. */
export function parsePlatformList(value: string, field = '--platform'): string[] {
  const list = value.split(',').map((p) => p.trim()).filter(Boolean);
  if (list.length === 0) throw new InputError(`${field}: no platform given`, { hint: 'e.g. --platform linux/amd64,linux/arm64' });
  for (const entry of list) {
    const parsed = platform.safeParse(entry);
    if (!parsed.success) {
      throw new InputError(`${field}: ${JSON.stringify(entry)} ${parsed.error.issues[0]?.message ?? 'is invalid'}`, {
        hint: 'e.g. --platform linux/amd64,linux/arm64',
      });
    }
  }
  const twice = list.find((p, i) => list.indexOf(p) !== i);
  if (twice) throw new InputError(`${field}: ${twice} is listed twice`, { hint: 'list each platform once' });
  return list;
}

/** The OCI tarball goes into an existing directory and is not itself a directory. */
export function checkOciPath(path: string, field: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) {
    throw new InputError(`${field}: the directory of ${path} does not exist`, {
      hint: `create ${dir} first, or point ${field.replace(/^.*: /, '')} at a path in an existing directory`,
    });
  }
  if (!statSync(dir).isDirectory()) {
    throw new InputError(`${field}: ${dir} (in ${path}) is not a directory`, { hint: 'point it at a path in a directory' });
  }
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new InputError(`${field}: ${path} is a directory, not a tarball path`, { hint: 'name the file to write, e.g. link_{tag}.tar' });
  }
}
