// sha256 of a bundle's large files on every core: SHA-256 cannot be split within a file,
// so files are hashed side by side, one per lane: this thread is one lane, a worker thread
// (started when a second file is ready while the first is still being hashed) the other.
// The frames are read and decoded here, once; a worker is handed the frame buffer itself
// (transferred, not copied) and hands it back once hashed, so memory stays a few frames.
import { createHash, type Hash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { setImmediate } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { giveBack, released } from '../buffer-pool.js';
import type { Loaded } from './sequential-source.js';

/** Hashes the data of one file, part by part, in order. */
export interface HashLane {
  /** Hashes `parts` (views of `loaded`); resolves once their buffer may be used again. */
  update(id: number, parts: Buffer[], loaded: Loaded): Promise<void>;
  digest(id: number): Promise<string>;
}

/** Bytes this thread hashes before it lets other work run (about a third of a millisecond). */
const slice = 512 << 10;

class ThisThreadLane implements HashLane {
  private readonly hashes = new Map<number, Hash>();

  async update(id: number, parts: Buffer[], loaded: Loaded): Promise<void> {
    let hash = this.hashes.get(id);
    if (!hash) this.hashes.set(id, (hash = createHash('sha256')));
    // A slice at a time: between slices the worker's answers are taken and its next
    // frame sent, or it would wait for this thread's whole frame.
    let sliced = 0;
    for (const part of parts) {
      hash.update(part);
      sliced += part.length;
      if (sliced >= slice) {
        sliced = 0;
        await setImmediate();
      }
    }
    for (const part of loaded.parts) released(part);
  }

  digest(id: number): Promise<string> {
    const hash = this.hashes.get(id) ?? createHash('sha256');
    this.hashes.delete(id);
    return Promise.resolve(`sha256:${hash.digest('hex')}`);
  }
}

/**
 * The worker's whole program, plain JavaScript evaluated as a script: the CLI is bundled
 * into chunks and tests run the sources, so a worker file would need to exist in both forms.
 * It answers every message in order: `done` (with the buffer it was lent) or `digest`.
 */
const workerSource = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  let hash = hashes.get(m.id);
  if (!hash) hashes.set(m.id, (hash = createHash('sha256')));
  if (m.parts) {
    for (const part of m.parts) hash.update(part);
    const back = m.lent ? [m.lent] : [];
    parentPort.postMessage({ lent: m.lent }, back);
  } else {
    hashes.delete(m.id);
    parentPort.postMessage({ digest: 'sha256:' + hash.digest('hex') });
  }
});
`;

type Answer = { lent?: ArrayBuffer; digest?: string };

class WorkerLane implements HashLane {
  /** Its heap holds a few hash states: limits keep V8 from reserving room for more. */
  private readonly worker = new Worker(workerSource, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 } });
  /** Callers waiting for an answer, in the order of their messages. */
  private readonly waiting: { resolve: (a: Answer) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;

  constructor() {
    this.worker.on('message', (answer: Answer) => this.waiting.shift()?.resolve(answer));
    const fail = (error: Error) => {
      this.failure = error;
      for (const w of this.waiting.splice(0)) w.reject(error);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', () => fail(new Error('the hashing worker thread stopped')));
  }

  private ask(message: object, transfer: ArrayBuffer[]): Promise<Answer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(message, transfer);
    });
  }

  async update(id: number, parts: Buffer[], loaded: Loaded): Promise<void> {
    const owner = loaded.owner;
    // The frame's own pooled buffer travels to the worker and back; anything else is copied.
    if (owner && parts.every((p) => p.buffer === owner.buffer)) {
      const answer = await this.ask({ id, parts, lent: owner.buffer }, [owner.buffer as ArrayBuffer]);
      if (answer.lent) giveBack(Buffer.from(answer.lent));
      return;
    }
    const answer = this.ask({ id, parts }, []);
    for (const part of loaded.parts) released(part);
    await answer;
  }

  async digest(id: number): Promise<string> {
    return (await this.ask({ id }, [])).digest!;
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/** Lanes for files hashed side by side: this thread's, and a worker's on a machine of several cores. */
export class HashLanes {
  private readonly free: HashLane[] = [new ThisThreadLane()];
  private worker: WorkerLane | undefined;
  private readonly waiting: ((lane: HashLane) => void)[] = [];

  /** A lane that is free now, or the first one to become free. */
  acquire(): Promise<HashLane> {
    const lane = this.free.shift();
    if (lane) return Promise.resolve(lane);
    if (!this.worker && availableParallelism() > 1) return Promise.resolve((this.worker = new WorkerLane()));
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(lane: HashLane): void {
    const next = this.waiting.shift();
    if (next) next(lane);
    else this.free.push(lane);
  }

  async close(): Promise<void> {
    await this.worker?.close();
  }
}
