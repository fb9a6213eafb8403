// Large lint inputs checked on every core: the files are cut into contiguous chunks of
// about equal size, one per thread (this one included); worker threads run lint's engine
// bundle (dist/cli/lint-engine.cjs, with V8's compiled form of it from lint's cache) on
// theirs while this thread checks its own. The chunks are merged in input order by the
// same function a single-thread run uses, and every thread sees the DestinationRule
// subsets of all files, so the output is identical to one thread's.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { compiledCodeFile, functionSource } from '../../manifests/code-cache.js';
import type { LintChunk, LintInput, LintOptions, LintResult } from '../../manifests/lint.js';
import type { LintEngine } from './lint-engine.js';

/** Text per thread below which a worker costs more to start (loading the engine) than it saves. */
const minBytesPerThread = 500_000;

const engineParams = ['exports', 'require', 'module', '__filename', '__dirname'];

/** How many threads to check `inputs` with: SHIPLINE_LINT_THREADS, else by size, at most one per core. */
export function lintThreads(inputs: readonly LintInput[], env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  const wanted = Number(env.SHIPLINE_LINT_THREADS);
  if (Number.isInteger(wanted) && wanted >= 1) return Math.min(wanted, Math.max(1, inputs.length));
  const bytes = inputs.reduce((sum, input) => sum + input.text.length, 0);
  return Math.max(1, Math.min(cores, Math.floor(bytes / minBytesPerThread) + 1, inputs.length));
}

/** `inputs` cut into `count` contiguous chunks of about equal text size (none empty). */
export function chunksOf<T extends LintInput>(inputs: readonly T[], count: number): T[][] {
  const total = inputs.reduce((sum, input) => sum + input.text.length, 0);
  const chunks: T[][] = [[]];
  let size = 0;
  for (const [i, input] of inputs.entries()) {
    const left = inputs.length - i;
    const needed = count - chunks.length;
    const current = chunks.at(-1)!;
    if (current.length > 0 && needed > 0 && (size >= (total * chunks.length) / count || left <= needed)) chunks.push([]);
    chunks.at(-1)!.push(input);
    size += input.text.length;
  }
  return chunks;
}

// The worker: runs the engine bundle as the lint command does, then checks the chunk it is given.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const { Script } = require('node:vm');
let cachedData;
try { cachedData = readFileSync(workerData.cacheFile); } catch {}
const run = new Script(workerData.source, { filename: workerData.script, cachedData }).runInThisContext();
const module = { exports: {} };
run(module.exports, createRequire(workerData.script), module, workerData.script, dirname(workerData.script));
parentPort.once('message', ({ inputs, options, subsets }) => parentPort.postMessage(module.exports.lintChunk(inputs, options, subsets)));
`;

function startWorker(script: string, source: string, cacheFile: string): Worker {
  return new Worker(workerSource, { eval: true, workerData: { script, source, cacheFile } });
}

function lintOnWorker(worker: Worker, inputs: readonly LintInput[], options: LintOptions, subsets: [string, string[]][]): Promise<LintChunk> {
  return new Promise((resolve, reject) => {
    worker.once('message', (chunk: LintChunk) => {
      resolve(chunk);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.postMessage({ inputs, options, subsets });
  });
}

/** Lints on `threads` threads (this one included) when the engine bundle is there; else on this one. */
export async function lintInParallel(engine: LintEngine, inputs: readonly LintInput[], options: LintOptions, threads: number): Promise<LintResult> {
  const script = fileURLToPath(new URL('./lint-engine.cjs', import.meta.url));
  if (threads <= 1 || !existsSync(script)) return engine.lintManifests(inputs, options);
  const code = readFileSync(script, 'utf8');
  const source = functionSource(code, engineParams);
  const cacheFile = compiledCodeFile(code, 'lint-engine');
  const [own, ...others] = chunksOf(inputs, threads);
  // Started first: they load the engine while this thread reads the subsets and checks its chunk.
  const workers = others.map(() => startWorker(script, source, cacheFile));
  const subsets = engine.subsetsIn(inputs);
  const pending = others.map((chunk, i) => lintOnWorker(workers[i]!, chunk, options, subsets));
  const mine = engine.lintChunk(own!, options, subsets);
  return engine.mergeChunks(inputs, [mine, ...(await Promise.all(pending))]);
}
