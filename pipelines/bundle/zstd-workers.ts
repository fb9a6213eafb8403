// zstd decompression of large frames in worker threads, so that an import hashes and uploads
// on the main thread while the next frames decompress beside it. Workers are unref'd: they
// keep the process alive only while a frame is being decompressed.
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const source = `
const { parentPort, workerData } = require('node:worker_threads');
const zstd = require(workerData.library);
const ready = zstd.init();
parentPort.on('message', ({ id, data, size }) => {
  ready.then(() => {
    const out = zstd.decompress(new Uint8Array(data), { defaultHeapSize: size });
    parentPort.postMessage({ id, out: out.buffer, offset: out.byteOffset, length: out.byteLength }, [out.buffer]);
  }).catch((error) => parentPort.postMessage({ id, error: String(error && error.message || error) }));
});
`;

interface Reply {
  id: number;
  out?: ArrayBuffer;
  offset?: number;
  length?: number;
  error?: string;
}

class Pool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void }>();
  private next = 0;

  constructor(size: number) {
    const library = createRequire(import.meta.url).resolve('@bokuweb/zstd-wasm');
    for (let i = 0; i < size; i++) {
      const worker = new Worker(source, { eval: true, workerData: { library } });
      worker.on('message', (reply: Reply) => {
        const waiter = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        if (this.waiting.size === 0) for (const w of this.workers) w.unref();
        if (!waiter) return;
        if (reply.error !== undefined || !reply.out) waiter.reject(new Error(reply.error ?? 'no output'));
        else waiter.resolve(Buffer.from(reply.out, reply.offset, reply.length));
      });
      worker.on('error', (error) => {
        for (const w of this.waiting.values()) w.reject(error);
        this.waiting.clear();
      });
      // After the listeners: adding a 'message' listener refs the worker's port again.
      worker.unref();
      this.workers.push(worker);
    }
  }

  decompress(data: Buffer, size: number): Promise<Buffer> {
    const id = this.next++;
    const copy = new Uint8Array(data).buffer;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) for (const w of this.workers) w.ref();
      this.waiting.set(id, { resolve, reject });
      this.workers[id % this.workers.length]!.postMessage({ id, data: copy, size }, [copy]);
    });
  }
}

let pool: Pool | undefined;

/** Decompresses one zstd frame in a worker thread. */
export function decompressInWorker(data: Buffer, size: number): Promise<Buffer> {
  pool ??= new Pool(Math.max(1, Math.min(2, availableParallelism())));
  return pool.decompress(data, size);
}
