// The second hashing lane (a worker thread, see hash-lanes.ts): reads a range of a
// bundle's uncompressed tar through its own descriptor, decoding each frame it touches
// exactly as the pass does, and answers the range's sha256 or the first error met.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { giveBack, takeBuffer } from '../buffer-pool.js';
import { decompressFrame } from './frame-codec.js';
import type { HashJob, HashAnswer } from './hash-lanes.js';

async function hashRange(job: HashJob): Promise<string> {
  const hash = createHash('sha256');
  const end = job.offset + job.length;
  const fh = await open(job.file, 'r');
  try {
    if (!job.framed) {
      for (let at = job.offset; at < end; ) {
        const length = Math.min(job.chunk, end - at);
        const buffer = takeBuffer(length);
        const { bytesRead } = await fh.read(buffer, 0, length, at);
        if (bytesRead !== length) throw new InputError(`${job.file} shrank while it was read (${at + bytesRead} of ${job.plainSize} bytes)`, { hint: 'let the copy finish, then run the command again' });
        hash.update(buffer);
        giveBack(buffer);
        at += length;
      }
    } else {
      const { compression, frames } = job.framed;
      // One frame ahead: the next is read (in libuv's pool) while this one is hashed.
      const load = async (f: (typeof frames)[number]) => {
        const buffer = takeBuffer(f.c);
        const { bytesRead } = await fh.read(buffer, 0, f.c, f.cOffset);
        const parts = await decompressFrame(compression, buffer.subarray(0, bytesRead), f.u, `${job.file} (frame ${f.index} at byte ${f.cOffset})`);
        return { buffer, parts };
      };
      let ahead = frames[0] ? load(frames[0]) : undefined;
      for (let i = 0; ahead; i++) {
        const { buffer, parts } = await ahead;
        const f = frames[i]!;
        ahead = frames[i + 1] ? load(frames[i + 1]!) : undefined;
        ahead?.catch(() => undefined);
        const from = Math.max(0, job.offset - f.uOffset);
        const to = Math.min(f.u, end - f.uOffset);
        let at = 0;
        for (const part of parts) {
          const start = Math.max(from, at);
          const stop = Math.min(to, at + part.length);
          if (stop > start) hash.update(stop - start === part.length ? part : part.subarray(start - at, stop - at));
          at += part.length;
        }
        giveBack(buffer);
      }
    }
  } finally {
    await fh.close();
  }
  return `sha256:${hash.digest('hex')}`;
}

// One job at a time, in the order given: two ranges hashed at once would only share this core.
let queue = Promise.resolve();
parentPort?.on('message', (job: HashJob) => {
  queue = queue.then(() => answer(job));
});

function answer(job: HashJob): Promise<void> {
  return hashRange(job).then(
    (sha256): void => parentPort!.postMessage({ id: job.id, sha256 } satisfies HashAnswer),
    (error: unknown): void => {
      const e = error as Error & { hint?: string };
      parentPort!.postMessage({ id: job.id, error: { input: error instanceof InputError, message: e.message, hint: e.hint } } satisfies HashAnswer);
    },
  );
}
