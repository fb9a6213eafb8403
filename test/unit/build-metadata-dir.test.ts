import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimMetadataDir, metadataDirFor } from '../../pipelines/build/metadata-dir.js';
import { PreconditionError } from '../../pipelines/errors.js';

const cache = () => mkdtempSync(join(tmpdir(), 'shipline-metadata-'));

describe('the build metadata folder', () => {
  it('is one fixed path per image reference, so a dry run names the path the real run uses', () => {
    const env = { SHIPLINE_CACHE: '/c' };
    expect(metadataDirFor('127.0.0.1:5000/modco/link:20240126', env)).toBe('/c/build/127.0.0.1_5000_modco_link_20240126');
    expect(metadataDirFor('modco/link:v1.2.3-rc.1', env)).toBe('/c/build/modco_link_v1.2.3-rc.1');
  });

  it('is claimed with the pid of the run and removed by its release', () => {
    const dir = metadataDirFor('modco/link:1', { SHIPLINE_CACHE: cache() });
    const release = claimMetadataDir(dir, 'modco/link:1');
    expect(readFileSync(join(dir, 'pid'), 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses a second build of the same reference while the first runs (exit 3)', () => {
    const dir = metadataDirFor('modco/link:2', { SHIPLINE_CACHE: cache() });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'pid'), String(process.ppid));
    expect(() => claimMetadataDir(dir, 'modco/link:2')).toThrow(PreconditionError);
    expect(() => claimMetadataDir(dir, 'modco/link:2')).toThrow(`another shipline build of modco/link:2 is running (pid ${process.ppid})`);
  });

  it('takes over a folder left by a run that died', () => {
    const dir = metadataDirFor('modco/link:3', { SHIPLINE_CACHE: cache() });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'pid'), '2147483646');
    writeFileSync(join(dir, 'metadata-1.json'), '{}');
    claimMetadataDir(dir, 'modco/link:3')();
    // A folder without a pid, older than a run needs to write one, is stale too.
    mkdirSync(dir, { recursive: true });
    const old = new Date(Date.now() - 60_000);
    utimesSync(dir, old, old);
    claimMetadataDir(dir, 'modco/link:3')();
    expect(existsSync(dir)).toBe(false);
  });
});
