import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOciPath, checkTagOption, parsePlatformList } from '../../pipelines/build/inputs.js';
import { tagSpec } from '../../pipelines/config/schema.js';
import { InputError } from '../../pipelines/errors.js';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).message;
  }
  throw new Error('expected an InputError');
}

describe('--tag', () => {
  it('accepts date, semver and literal OCI tags up to 128 characters', () => {
    for (const tag of ['date', 'semver', '1.4.0-rc.2', '20240126.1', '_x', 'A'.repeat(128)]) expect(checkTagOption(tag)).toBe(tag);
  });

  it('refuses what is not an OCI tag, with the rule of image.tag', () => {
    for (const bad of ['bad tag', '-x', '.x', 'a'.repeat(129), 'v1+build', 'a/b', '', 'tag:1']) {
      expect(messageOf(() => checkTagOption(bad))).toBe(
        `--tag: ${JSON.stringify(bad)} is not a valid tag: must be date, semver, or a literal tag of [A-Za-z0-9_.-], at most 128 characters`,
      );
      expect(tagSpec.safeParse(bad).success).toBe(false);
    }
  });
});

describe('--platform', () => {
  it('splits a list of os/arch[/variant]', () => {
    expect(parsePlatformList('linux/amd64, linux/arm64,linux/arm/v7')).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
  });

  it('refuses entries that are not os/arch, empty lists and duplicates', () => {
    expect(messageOf(() => parsePlatformList('linux/amd64,amd64'))).toBe('--platform: "amd64" must look like os/arch[/variant], e.g. linux/arm64');
    expect(messageOf(() => parsePlatformList('Linux/AMD64'))).toContain('"Linux/AMD64" must look like os/arch');
    expect(messageOf(() => parsePlatformList(' , '))).toBe('--platform: no platform given');
    expect(messageOf(() => parsePlatformList('linux/arm64,linux/arm64'))).toBe('--platform: linux/arm64 is listed twice');
  });
});

describe('OCI tarball path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shipline-inputs-'));

  it('passes for a new file in an existing directory', () => {
    expect(() => checkOciPath(join(dir, 'link_1.tar'), '--oci')).not.toThrow();
  });

  it('names the field and the path when the directory is missing, a file, or the path a directory', () => {
    const missing = join(dir, 'no', 'such', 'link.tar');
    expect(messageOf(() => checkOciPath(missing, 'shipline.yaml: output.oci'))).toBe(`shipline.yaml: output.oci: the directory of ${missing} does not exist`);
    writeFileSync(join(dir, 'file'), '');
    expect(messageOf(() => checkOciPath(join(dir, 'file', 'x.tar'), '--oci'))).toBe(`--oci: ${join(dir, 'file')} (in ${join(dir, 'file', 'x.tar')}) is not a directory`);
    mkdirSync(join(dir, 'out.tar'));
    expect(messageOf(() => checkOciPath(join(dir, 'out.tar'), '--oci'))).toBe(`--oci: ${join(dir, 'out.tar')} is a directory, not a tarball path`);
  });

  it('says how to fix it', () => {
    const error = (() => {
      try {
        checkOciPath('/nonexistent-dir-shipline/link.tar', 'shipline.yaml: output.oci');
      } catch (e) {
        return e;
      }
    })();
    expect((error as InputError).hint).toBe('create /nonexistent-dir-shipline first, or point output.oci at a path in an existing directory');
  });
});
