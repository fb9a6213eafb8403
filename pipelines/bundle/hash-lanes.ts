// Hashing on both cores: sha256 of one stream runs on one core only (about 1.2 GB/s), so the
// pass hands every other large file to a worker thread, which reads and decodes that file's
// frames itself (its own descriptor, its own two frame buffers: no copy, bounded memory)
// while the pass goes on to the next entry and hashes it here. Nothing about the checks
// changes: the worker decodes every frame it takes over with the same decoder, and its
// first error is the one thrown if it comes before any error the pass meets later.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { frameAt, frameLimit } from './frames.js';
import { hashRange, type RangeJob } from './range-hash.js';
import type { FramedFile } from './framed-file.js';

export type HashJob = RangeJob & { id: number };

export type HashAnswer = { id: number; sha256: string } | { id: number; error: { input: boolean; message: string; hint: string | undefined } };

/** Files this large are hashed by range (by the thread when it is not two files behind, else here). */
export const rangeMin = 1 << 20;
/** Files this large are worth the thread's start. */
const delegateMin = 2 * frameLimit;
/** Files waiting for a lane, at most: each costs time, not memory. */
const maxQueued = 2;

function newWorker(): Worker {
  // From dist/cli the worker is the bundle's own hash-worker.js beside this chunk. From the
  // TypeScript checkout (tests, tsx) it is TypeScript too: a bootstrap registers tsx's ES
  // loader in the thread first (tsx's --import hook does not reach a worker's entry).
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./hash-worker.js', import.meta.url));
  // require.resolve gives the CommonJS build of tsx/esm/api; the ES one lies beside it.
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./hash-worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`, { eval: true });
}

type Waiting = { resolve: (sha256: string) => void; reject: (error: Error) => void };

/**
 * One thread for the process, started at the first large file (starting one costs more than
 * hashing a few MB); it holds the process open only while it has work.
 */
class HashThread {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, Waiting>();

  hash(job: RangeJob): Promise<string> {
    const id = this.nextId++;
    const answer = new Promise<string>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    const worker = this.start();
    if (this.waiting.size === 1) worker.ref();
    worker.postMessage({ ...job, id } satisfies HashJob);
    return answer;
  }

  private settled(id: number): Waiting | undefined {
    const w = this.waiting.get(id);
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.worker?.unref();
    return w;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = newWorker();
    worker.on('message', (a: HashAnswer) => {
      const w = this.settled(a.id);
      if ('sha256' in a) w?.resolve(a.sha256);
      else w?.reject(a.error.input ? new InputError(a.error.message, { hint: a.error.hint }) : new Error(a.error.message));
    });
    const fail = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const w of this.waiting.values()) w.reject(new Error(`the hashing thread failed: ${why}`));
      this.waiting.clear();
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`it exited with code ${code}`));
    return (this.worker = worker);
  }
}

let thread: HashThread | undefined;

/** The files of one pass that the thread took over, in tar order. */
export class HashLanes {
  private readonly pending: Promise<string>[] = [];
  private readonly queue: { job: RangeJob; resolve: (sha256: string) => void; reject: (error: unknown) => void }[] = [];
  private threadBusy = false;
  private hereBusy = false;
  private room: (() => void) | undefined;
  readonly enabled = availableParallelism() > 1;

  constructor(
    private readonly file: string,
    private readonly framed: FramedFile | undefined,
    private readonly plainSize: number,
  ) {}

  /** Whether a file of `size` bytes is hashed by range (`hash`), else in the pass. */
  wants(size: number): boolean {
    return this.enabled && size >= rangeMin;
  }

  /**
   * Queues the range for the first free lane (the thread for large files, else this thread
   * between the pass's reads); `done` gets its sum. Returns once the queue has room: the pass
   * runs at most a few files ahead of the hashing.
   */
  async hash(offset: number, length: number, done: (sha256: string) => void): Promise<void> {
    const job = this.job(offset, length);
    const answer = new Promise<string>((resolve, reject) => this.queue.push({ job, resolve, reject }));
    answer.then(done, () => undefined);
    this.pending.push(answer);
    this.pump();
    while (this.queue.length >= maxQueued) await new Promise<void>((resolve) => (this.room = resolve));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      let run: Promise<string>;
      if (!this.threadBusy && next.job.length >= delegateMin) {
        this.threadBusy = true;
        run = (thread ??= new HashThread()).hash(next.job);
        run.finally(() => (this.threadBusy = false)).then(() => this.pump(), () => this.pump());
      } else if (!this.hereBusy) {
        this.hereBusy = true;
        run = hashRange(next.job);
        run.finally(() => (this.hereBusy = false)).then(() => this.pump(), () => this.pump());
      } else {
        break;
      }
      this.queue.shift();
      run.then(next.resolve, next.reject);
      const room = this.room;
      this.room = undefined;
      room?.();
    }
  }

  private job(offset: number, length: number): RangeJob {
    const job: RangeJob = { file: this.file, offset, length, plainSize: this.plainSize };
    if (this.framed) {
      const { frames } = this.framed.table;
      const list: NonNullable<HashJob['framed']>['frames'] = [];
      for (let i = frameAt(this.framed.table, offset); i < frames.length && frames[i]!.uOffset < offset + length; i++) {
        const f = frames[i]!;
        list.push({ index: i, c: f.c, cOffset: f.cOffset, u: f.u, uOffset: f.uOffset });
      }
      job.framed = { compression: this.framed.compression, frames: list };
    }
    return job;
  }

  /** Waits for every answer; throws the first failed file's error (in tar order). */
  async settle(): Promise<void> {
    for (const answer of this.pending) await answer;
  }

  /**
   * The error to throw when the pass met `error`: a failure in a file the thread took over
   * comes first (those files lie before the point the pass reached).
   */
  async firstError(error: unknown): Promise<unknown> {
    for (const answer of this.pending) {
      try {
        await answer;
      } catch (earlier) {
        return earlier;
      }
    }
    return error;
  }
}
