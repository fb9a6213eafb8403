import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../pipelines/adapters/process.js';
import { claimMetadataDir, freeMetadataDir, metadataBaseDir } from '../../pipelines/build/metadata-dir.js';

const base = (ref: string) => metadataBaseDir(ref, { SHIPLINE_CACHE: mkdtempSync(join(tmpdir(), 'shipline-metadata-')) });

/** A folder as a build that is still running (this test's parent process) leaves it. */
function heldByLiveBuild(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'pid'), String(process.ppid));
}

describe('the build metadata folder', () => {
  it('is one fixed path per image reference, so a dry run names the path the real run uses', async () => {
    const env = { SHIPLINE_CACHE: '/c' };
    expect(metadataBaseDir('127.0.0.1:5000/modco/link:20240126', env)).toBe('/c/build/127.0.0.1_5000_modco_link_20240126');
    expect(metadataBaseDir('modco/link:v1.2.3-rc.1', env)).toBe('/c/build/modco_link_v1.2.3-rc.1');
    const dir = base('modco/link:1');
    expect(freeMetadataDir(dir)).toBe(dir);
    const claim = await claimMetadataDir(dir);
    expect(claim.dir).toBe(dir);
    expect(readFileSync(join(dir, 'pid'), 'utf8')).toBe(String(process.pid));
    claim.release();
    expect(existsSync(dir)).toBe(false);
  });

  it('is the next one for a second build of the same reference while the first runs, in a dry run too', async () => {
    const dir = base('modco/link:2');
    heldByLiveBuild(dir);
    expect(freeMetadataDir(dir)).toBe(`${dir}.2`);
    const second = await claimMetadataDir(dir);
    expect(second.dir).toBe(`${dir}.2`);
    expect((await claimMetadataDir(dir)).dir).toBe(`${dir}.3`);
    expect(readFileSync(join(dir, 'pid'), 'utf8')).toBe(String(process.ppid));
  });

  it('takes over a folder left by a build that died, or one without a pid that is older than a start', async () => {
    const dir = base('modco/link:3');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'pid'), '2147483646');
    writeFileSync(join(dir, 'metadata-1.json'), '{}');
    const claim = await claimMetadataDir(dir);
    expect(claim.dir).toBe(dir);
    expect(existsSync(join(dir, 'metadata-1.json'))).toBe(false);
    claim.release();
    mkdirSync(dir, { recursive: true });
    expect(freeMetadataDir(dir)).toBe(`${dir}.2`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(dir, old, old);
    expect((await claimMetadataDir(dir)).dir).toBe(dir);
  });

  it('six builds claiming at the same moment, each in its own process, get six different folders', async () => {
    const dir = base('modco/link:race');
    const claimer = `import { claimMetadataDir } from ${JSON.stringify(join(process.cwd(), 'pipelines/build/metadata-dir.ts'))};
      const claim = await claimMetadataDir(${JSON.stringify(dir)});
      process.stdout.write(claim.dir);
      await new Promise((r) => setTimeout(r, 1500));`;
    const claims = await Promise.all(
      Array.from({ length: 6 }, () => run(['node', '--import', 'tsx', '--input-type=module', '-e', claimer], { timeoutMs: 60_000 })),
    );
    const dirs = claims.map((c) => c.stdout.trim());
    expect(new Set(dirs).size, dirs.join('\n')).toBe(6);
    expect(dirs.sort()).toEqual([dir, ...[2, 3, 4, 5, 6].map((n) => `${dir}.${n}`)].sort());
  });
});
