// Code run through V8 with its compiled form kept on disk: parsing and compiling a large
// generated validator, or lint's own bundle, costs more than checking hundreds of
// manifests. The compiled form is written after a run (so it holds every function that
// run compiled) under the code file's identity (or the code's hash) and V8's version; V8
// refuses one of another version.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { isAscii } from 'node:buffer';
import { Script } from 'node:vm';

/** Where lint keeps what it derives from the CRDs and its code: $SHIPLINE_CACHE/lint, else ~/.cache/shipline/lint. */
export function lintCacheDir(): string {
  return join(process.env.SHIPLINE_CACHE ?? join(homedir(), '.cache', 'shipline'), 'lint');
}

export function writeAtomically(file: string, data: string | Uint8Array): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.${process.pid}`, data);
    renameSync(`${file}.${process.pid}`, file);
  } catch {
    // A read-only home only makes the next run slower.
  }
}

/** The hash naming the compiled form of code given as text. */
export function codeHash(code: string): string {
  return createHash('sha1').update(code).digest('hex').slice(0, 20);
}

/** Where V8's compiled form of code of key `key` (a hash, or a file's identity; named `name`) is kept. */
export function compiledCodeFile(key: string, name: string): string {
  return join(lintCacheDir(), `${name}-${key}.${process.versions.v8}.v8`);
}

/**
 * A file's identity as the key of its code's compiled form: its inode, size and modification
 * time (nanoseconds), which a rebuild or a regeneration of the file changes. Hashing the
 * code instead cost more than a millisecond per megabyte at every start.
 */
export function codeFileKey(file: string): string {
  const { ino, size, mtimeNs } = statSync(file, { bigint: true });
  return `${ino}-${size}-${mtimeNs}`;
}

/** A file of code, and the key of its compiled form; an ASCII file is decoded without UTF-8 decoding. */
export function readCode(file: string): { code: string; key: string } {
  const key = codeFileKey(file);
  const bytes = readFileSync(file);
  return { code: isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8'), key };
}

/** The source compiled for `code` run as the body of a function of `params` (the compiled form is of exactly this). */
export function functionSource(code: string, params: readonly string[]): string {
  return `(function (${params.join(', ')}) {${code}\n})`;
}

/** Scripts that ran without a usable compiled form: saveCompiledCode() writes theirs. */
const uncompiled: { script: Script; file: string; size: number }[] = [];

/**
 * A compiled form under this share of its code's size holds little more than the outer
 * function: it was made before the code ran (e.g. a validator loaded but not yet used), and
 * every later run would compile the functions it lacks anew. Such a form is not written,
 * and one found in the cache is made again after a run that used the code. A compiled form
 * of code that ran is larger: half the lint engine's size after one file, more than the
 * size of a validator that checked a document.
 */
const minCompiledShare = 0.25;
const tooThin = (data: Uint8Array, size: number) => data.length < size * minCompiledShare;

/**
 * Runs `code` as the body of a function of `params` and returns that function. `name`
 * (with the code's hash, or the key readCode gives) names the compiled form in the cache.
 */
export function compiledFunction(code: string, params: readonly string[], filename: string, name: string, key = codeHash(code)): (...args: unknown[]) => unknown {
  const file = compiledCodeFile(key, name);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(file);
  } catch {
    // Not compiled yet.
  }
  const script = new Script(functionSource(code, params), { filename, cachedData });
  if (cachedData === undefined || script.cachedDataRejected || tooThin(cachedData, code.length)) uncompiled.push({ script, file, size: code.length });
  return script.runInThisContext() as (...args: unknown[]) => unknown;
}

/** Keeps V8's compiled form of the scripts this run compiled, with the functions it compiled. */
export function saveCompiledCode(): void {
  for (const { script, file, size } of uncompiled.splice(0)) {
    const data = script.createCachedData();
    if (!tooThin(data, size)) writeAtomically(file, data);
  }
}
