import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimMetadataDir, freeMetadataDir, metadataBaseDir } from '../../pipelines/build/metadata-dir.js';

const base = (ref: string) => metadataBaseDir(ref, { SHIPLINE_CACHE: mkdtempSync(join(tmpdir(), 'shipline-metadata-')) });

/** A folder as a build that is still running (this test's parent process) leaves it. */
function heldByLiveBuild(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'pid'), String(process.ppid));
}

describe('the build metadata folder', () => {
  it('is one fixed path per image reference, so a dry run names the path the real run uses', () => {
    const env = { SHIPLINE_CACHE: '/c' };
    expect(metadataBaseDir('127.0.0.1:5000/modco/link:20240126', env)).toBe('/c/build/127.0.0.1_5000_modco_link_20240126');
    expect(metadataBaseDir('modco/link:v1.2.3-rc.1', env)).toBe('/c/build/modco_link_v1.2.3-rc.1');
    const dir = base('modco/link:1');
    expect(freeMetadataDir(dir)).toBe(dir);
    const claim = claimMetadataDir(dir);
    expect(claim.dir).toBe(dir);
    expect(readFileSync(join(dir, 'pid'), 'utf8')).toBe(String(process.pid));
    claim.release();
    expect(existsSync(dir)).toBe(false);
  });

  it('is the next one for a second build of the same reference while the first runs, in a dry run too', () => {
    const dir = base('modco/link:2');
    heldByLiveBuild(dir);
    expect(freeMetadataDir(dir)).toBe(`${dir}.2`);
    const second = claimMetadataDir(dir);
    expect(second.dir).toBe(`${dir}.2`);
    expect(claimMetadataDir(dir).dir).toBe(`${dir}.3`);
    expect(readFileSync(join(dir, 'pid'), 'utf8')).toBe(String(process.ppid));
  });

  it('takes over a folder left by a build that died, or one without a pid that is older than a start', () => {
    const dir = base('modco/link:3');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'pid'), '2147483646');
    writeFileSync(join(dir, 'metadata-1.json'), '{}');
    const claim = claimMetadataDir(dir);
    expect(claim.dir).toBe(dir);
    expect(existsSync(join(dir, 'metadata-1.json'))).toBe(false);
    claim.release();
    mkdirSync(dir, { recursive: true });
    expect(freeMetadataDir(dir)).toBe(`${dir}.2`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(dir, old, old);
    expect(claimMetadataDir(dir).dir).toBe(dir);
  });
});
