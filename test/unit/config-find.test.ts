// Every command finds shipline.yaml the same way: --config, else this folder, then its
// parents up to the git root; the embedded sample only inside shipline's own checkout.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findConfig, gitRoot } from '../../pipelines/config/find.js';
import { InputError } from '../../pipelines/errors.js';
import { projectRoot } from '../../pipelines/project-root.js';
import { errorOf } from '../support/error-of.js';

/** outer/shipline.yaml (above the repo), outer/repo/.git, outer/repo/a/b. */
function tree(withRepoConfig: boolean) {
  const outer = mkdtempSync(join(tmpdir(), 'shipline-find-'));
  const repo = join(outer, 'repo');
  const deep = join(repo, 'a', 'b');
  mkdirSync(deep, { recursive: true });
  mkdirSync(join(repo, '.git'));
  writeFileSync(join(outer, 'shipline.yaml'), 'image: { repository: outer/link }\n');
  if (withRepoConfig) writeFileSync(join(repo, 'shipline.yaml'), 'image: { repository: repo/link }\n');
  return { outer, repo, deep };
}

describe('findConfig', () => {
  it('takes --config as given, relative to the folder', () => {
    expect(findConfig('conf/x.yaml', '/srv/app')).toEqual({ kind: 'file', path: '/srv/app/conf/x.yaml', shown: 'conf/x.yaml' });
    expect(findConfig('@sample', '/srv/app')).toEqual({ kind: 'sample' });
  });

  it('finds the nearest shipline.yaml in a parent, up to the git root', () => {
    const { repo, deep } = tree(true);
    expect(gitRoot(deep)).toBe(repo);
    expect(findConfig(undefined, deep)).toEqual({ kind: 'file', path: join(repo, 'shipline.yaml'), shown: join('..', '..', 'shipline.yaml') });
    expect(findConfig(undefined, repo)).toMatchObject({ path: join(repo, 'shipline.yaml'), shown: 'shipline.yaml' });
  });

  it('does not look above the git root, and says where it looked', () => {
    const { repo, deep } = tree(false);
    const error = errorOf(() => findConfig(undefined, deep));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`no shipline.yaml in ${deep} or its parents up to ${repo} — run \`shipline init\``);
    expect(error.hint).toContain('--config @sample');
  });

  it('outside a git repository looks in the folder only', () => {
    const { outer } = tree(false);
    const below = join(outer, 'plain');
    mkdirSync(below);
    expect(errorOf(() => findConfig(undefined, below)).message).toContain(`no shipline.yaml in ${below} (not in a git repository`);
    expect(findConfig(undefined, outer)).toMatchObject({ kind: 'file', shown: 'shipline.yaml' });
  });

  it("uses the sample inside shipline's own checkout only", () => {
    expect(findConfig(undefined, join(projectRoot, 'service'))).toEqual({ kind: 'sample' });
    const { repo, deep } = tree(false);
    // A checkout of shipline somewhere else, as the package sees it.
    expect(findConfig(undefined, deep, repo)).toEqual({ kind: 'sample' });
    expect(() => findConfig(undefined, deep, join(repo, 'a'))).toThrow(InputError);
  });
});
