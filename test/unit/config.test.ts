import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embeddedName, loadConfig, parseConfig } from '../../pipelines/config/load.js';
import { projectRoot } from '../../pipelines/project-root.js';
import { errorOf } from '../support/error-of.js';

describe('config loading', () => {
  it('fills defaults', () => {
    const config = parseConfig({ image: { repository: 'modco/link' } }, 'shipline.yaml');
    expect(config.image).toMatchObject({ dockerfile: 'Dockerfile.musl', context: '.', platforms: ['linux/amd64', 'linux/arm64'], tag: 'date' });
    expect(config.builder).toEqual({ name: 'shipline-local', nodes: [] });
    expect(config.output).toEqual({ push: true, combine: 'auto' });
    expect(config.attest).toEqual({ provenance: false, sbom: false });
  });

  it('collects every error with its file and field path', () => {
    const error = errorOf(() =>
      parseConfig(
        { image: { repository: 'Modco/Link:1', platforms: ['linux/amd64', 'amd64'], tag: 'bad tag' }, output: { push: 'yes' }, imgae: {} },
        'shipline.yaml',
      ),
    );
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('shipline.yaml: image.repository: must be an image repository');
    expect(error.message).toContain('shipline.yaml: image.platforms[1]: must look like os/arch');
    expect(error.message).toContain('shipline.yaml: image.tag:');
    expect(error.message).toContain('shipline.yaml: output.push:');
    expect(error.message).toContain('shipline.yaml: imgae: unknown field; expected one of image, builder,');
  });

  it('applies rules after the schema', () => {
    const error = errorOf(() =>
      parseConfig(
        {
          image: { repository: 'a/b', platforms: ['linux/amd64', 'linux/amd64', 'linux/arm64'] },
          output: { oci: 'out.zip' },
          builder: { nodes: [{ endpoint: 'tcp://h:1234', platforms: ['linux/amd64'] }] },
        },
        'shipline.yaml',
      ),
    );
    expect(error.message).toContain('image.platforms[1]: linux/amd64 is listed twice');
    expect(error.message).toContain('output.oci: out.zip must end in .tar');
    expect(error.message).toContain('image.platforms[2]: linux/arm64 is served by no node in builder.nodes');
  });

  it('reports YAML syntax errors with line and column, and missing files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipline-config-'));
    writeFileSync(join(dir, 'bad.yaml'), 'image:\n  repository: a/b\n    tag: x\n');
    expect(errorOf(() => loadConfig('bad.yaml', dir)).message).toMatch(/^bad\.yaml: line 2, column 15: Nested mappings are not allowed/);
    expect(errorOf(() => loadConfig('missing.yaml', dir)).message).toMatch(/missing\.yaml: cannot read \(ENOENT\)/);
  });

  it('uses the embedded default inside shipline\'s own checkout, or with --config @sample', () => {
    for (const loaded of [loadConfig(undefined, join(projectRoot, 'service')), loadConfig('@sample', mkdtempSync(join(tmpdir(), 'shipline-empty-')))]) {
      expect(loaded.file).toBe(embeddedName);
      expect(loaded.config.image.repository).toBe('127.0.0.1:5000/modco/link');
    }
  });

  it('refuses a folder outside any project with exit 2, naming the folder and `shipline init`', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipline-empty-'));
    const error = errorOf(() => loadConfig(undefined, dir));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(`no shipline.yaml in ${dir}`);
    expect(error.message).toContain('run `shipline init`');
  });
});

describe('hostile YAML', () => {
  it('refuses an alias bomb with exit 2 instead of expanding it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipline-bomb-'));
    const levels = ['a: &a [x,x,x,x,x,x,x,x,x]'];
    for (const [prev, name] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f']] as const) {
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    writeFileSync(join(dir, 'bomb.yaml'), `${levels.join('\n')}\n`);
    const error = errorOf(() => loadConfig('bomb.yaml', dir));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/^bomb\.yaml: .*alias/i);
  });
});
