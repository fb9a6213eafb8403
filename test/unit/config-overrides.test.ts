// --repository replaces image.repository of any config (CI names its registry in a
// variable); a bad value is refused naming the flag, before anything runs.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embeddedName, loadConfig } from '../../pipelines/config/load.js';
import { InputError } from '../../pipelines/errors.js';
import { projectRoot } from '../../pipelines/project-root.js';

describe('loadConfig overrides', () => {
  it('replaces image.repository of a file and of the embedded default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipline-overrides-'));
    writeFileSync(join(dir, 'shipline.yaml'), 'image:\n  repository: modco/link\n  tag: semver\n');
    const loaded = loadConfig('shipline.yaml', dir, { repository: 'registry.example.com:5000/acme/link' });
    expect(loaded.config.image).toMatchObject({ repository: 'registry.example.com:5000/acme/link', tag: 'semver' });
    expect(loadConfig('shipline.yaml', dir).config.image.repository).toBe('modco/link');
    const embedded = loadConfig('@sample', mkdtempSync(join(tmpdir(), 'shipline-overrides-')), { repository: 'acme/link' });
    expect(embedded.file).toBe(embeddedName);
    expect(embedded.config.image.repository).toBe('acme/link');
  });

  it('refuses a repository with a tag or upper case, naming the flag', () => {
    for (const bad of ['acme/link:1.0', 'Acme/Link', '']) {
      expect(() => loadConfig(undefined, projectRoot, { repository: bad })).toThrow(InputError);
      expect(() => loadConfig(undefined, projectRoot, { repository: bad })).toThrow(`--repository ${bad}: must be an image repository`);
    }
  });

  it('keeps the example CI config valid', () => {
    const loaded = loadConfig(join('examples', 'shipline.ci.yaml'), projectRoot, { repository: 'registry.example.com/acme/link' });
    expect(loaded.config.image.tag).toBe('semver');
    expect(loaded.config.builder.name).toBe('shipline-ci');
    expect(readFileSync(join(loaded.baseDir, loaded.config.image.dockerfile), 'utf8')).toContain('ARG BASE=');
  });
});
