// Code run through V8 with its compiled form kept in lint's cache: written after the run
// that compiled it, used (not rewritten) by later runs, named by the code's hash.
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compiledFunction, lintCacheDir, saveCompiledCode } from '../../manifests/code-cache.js';

let saved: string | undefined;
beforeEach(() => {
  saved = process.env.SHIPLINE_CACHE;
  process.env.SHIPLINE_CACHE = mkdtempSync(join(tmpdir(), 'shipline-code-cache-'));
});
afterEach(() => {
  if (saved === undefined) delete process.env.SHIPLINE_CACHE;
  else process.env.SHIPLINE_CACHE = saved;
});

const code = 'return { twice: (n) => 2 * n + offset };';
const cached = () => readdirSync(lintCacheDir()).filter((f) => f.endsWith('.v8'));

describe('compiled code cache', () => {
  it('runs the code, keeps its compiled form after the run, and reuses it', () => {
    const first = compiledFunction(code, ['offset'], 'twice.js', 'twice')(1) as { twice: (n: number) => number };
    expect(first.twice(20)).toBe(41);
    expect(() => cached()).toThrow(); // nothing written before the run ends
    saveCompiledCode();
    const [file] = cached();
    expect(file).toMatch(new RegExp(`^twice-[0-9a-f]{20}\\.${process.versions.v8.replaceAll('.', '\\.')}\\.v8$`));
    const written = statSync(join(lintCacheDir(), file!)).mtimeMs;
    const second = compiledFunction(code, ['offset'], 'twice.js', 'twice')(2) as { twice: (n: number) => number };
    expect(second.twice(20)).toBe(42);
    saveCompiledCode();
    expect(cached()).toEqual([file]);
    expect(statSync(join(lintCacheDir(), file!)).mtimeMs).toBe(written);
  });

  it('names other code apart', () => {
    compiledFunction(code, ['offset'], 'twice.js', 'twice');
    compiledFunction(code.replace('2 *', '3 *'), ['offset'], 'thrice.js', 'twice');
    saveCompiledCode();
    expect(cached()).toHaveLength(2);
  });
});
