// The second hashing lane (a worker thread, see hash-lanes.ts): hashes the ranges it is
// given, one at a time, and answers each range's sha256 or its first error.
import { parentPort } from 'node:worker_threads';
import { InputError } from '../errors.js';
import type { HashAnswer, HashJob } from './hash-lanes.js';
import { hashRange } from './range-hash.js';

function answer(job: HashJob): Promise<void> {
  return hashRange(job).then(
    (sha256): void => parentPort!.postMessage({ id: job.id, sha256 } satisfies HashAnswer),
    (error: unknown): void => {
      const e = error as Error & { hint?: string };
      parentPort!.postMessage({ id: job.id, error: { input: error instanceof InputError, message: e.message, hint: e.hint } } satisfies HashAnswer);
    },
  );
}

// One job at a time, in the order given: two ranges hashed at once would only share this core.
let queue = Promise.resolve();
parentPort?.on('message', (job: HashJob) => {
  queue = queue.then(() => answer(job));
});
