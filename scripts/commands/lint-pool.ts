// Large lint inputs checked on every core. Worker threads are started as soon as the
// paths say the input is large (before the files are read), each loading lint's engine
// bundle (dist/cli/lint-engine.cjs, with V8's compiled form of it from lint's cache) on a
// core this thread leaves idle meanwhile. The files are then cut into contiguous chunks of
// about equal size, one per thread (this one included), and merged in input order by the
// same function a single-thread run uses. Each thread parses its chunk once and tells the
// DestinationRule subsets it found; every thread then checks its documents against the
// subsets of all files, so the output is identical to one thread's.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { codeFileKey, compiledCodeFile, functionSource } from '../../manifests/code-cache.js';
import type { LintChunk, LintInput, LintOptions, LintResult } from '../../manifests/lint.js';
import type { LintEngine } from './lint-engine.js';

/**
 * Files per thread below which a worker costs more to start than it saves: each loads the
 * engine, the CRD schemas, validators and CEL rules of the kinds it meets (0.4–0.8 s of CPU
 * on the 2-core development machine, where 3,000 files took 0.93 s on one thread and 1.09 s
 * on two).
 */
const minFilesPerThread = 5000;

const engineParams = ['exports', 'require', 'module', '__filename', '__dirname'];
const manifestFile = /\.(ya?ml|json)$/;

/** How many manifest files the paths name (folders listed as lint reads them; standard input counts one). */
export function countInputFiles(paths: readonly string[], recursive = false): number {
  let count = 0;
  for (const path of paths) {
    try {
      if (path === '-' || !statSync(path).isDirectory()) count++;
      else count += readdirSync(path, { recursive }).filter((name) => manifestFile.test(String(name))).length;
    } catch {
      count++; // reading it reports the error
    }
  }
  return count;
}

/** How many threads to check `files` files with: SHIPLINE_LINT_THREADS, else one more per 5,000 files, at most one per core. */
export function lintThreads(files: number, env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  const wanted = Number(env.SHIPLINE_LINT_THREADS);
  if (Number.isInteger(wanted) && wanted >= 1) return Math.min(wanted, Math.max(1, files));
  return Math.max(1, Math.min(cores, Math.floor(files / minFilesPerThread) + 1));
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
const code = readFileSync(workerData.script, 'utf8');
const run = new Script(workerData.wrap[0] + code + workerData.wrap[1], { filename: workerData.script, cachedData }).runInThisContext();
const module = { exports: {} };
run(module.exports, createRequire(workerData.script), module, workerData.script, dirname(workerData.script));
let parsed;
parentPort.on('message', (message) => {
  if (message.inputs) {
    parsed = module.exports.parseInputs(message.inputs);
    parentPort.postMessage(module.exports.subsetsOfParsed(parsed));
  } else {
    parentPort.postMessage(module.exports.checkParsed(parsed, message.options, message.subsets));
  }
});
`;

export interface LintPool {
  /** Lints `inputs` on the workers and this thread (with `engine`); the workers end. */
  lint(engine: LintEngine, inputs: readonly LintInput[], options: LintOptions): Promise<LintResult>;
  close(): void;
}

/** `size` workers loading the engine now, or undefined when there is no engine bundle (running from source). */
export function startLintPool(size: number): LintPool | undefined {
  const script = fileURLToPath(new URL('./lint-engine.cjs', import.meta.url));
  if (size < 1 || !existsSync(script)) return undefined;
  // The compiled form is of exactly the source compiledFunction compiles.
  const [before, after] = functionSource('\0', engineParams).split('\0');
  const workerData = { script, wrap: [before, after], cacheFile: compiledCodeFile(codeFileKey(script), 'lint-engine') };
  // Loaded only here: most runs use no worker, and node:worker_threads costs each start a little.
  const { Worker: Thread } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
  const workers = Array.from({ length: size }, () => new Thread(workerSource, { eval: true, workerData }));
  const close = () => workers.forEach((w) => void w.terminate());
  return {
    close,
    async lint(engine, inputs, options) {
      const [own, ...others] = chunksOf(inputs, Math.min(size + 1, inputs.length));
      if (others.length === 0) {
        close();
        return engine.lintManifests(inputs, options);
      }
      const reply = <T>(worker: Worker, message: object) =>
        new Promise<T>((resolve, reject) => {
          const fail = (error: Error) => reject(error);
          worker.once('error', fail);
          worker.once('message', (value: T) => {
            worker.off('error', fail);
            resolve(value);
          });
          worker.postMessage(message);
        });
      try {
        const theirSubsets = others.map((chunk, i) => reply<[string, string[]][]>(workers[i]!, { inputs: chunk }));
        const parsed = engine.parseInputs(own!);
        // In input order, so the last DestinationRule of a host wins as on one thread.
        const subsets = [...new Map([...engine.subsetsOfParsed(parsed), ...(await Promise.all(theirSubsets)).flat()])];
        const pending = others.map((_, i) => reply<LintChunk>(workers[i]!, { options, subsets }));
        const mine = engine.checkParsed(parsed, options, subsets);
        return engine.mergeChunks(inputs, [mine, ...(await Promise.all(pending))]);
      } finally {
        close();
      }
    },
  };
}
