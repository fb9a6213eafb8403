// Files the one pass hands over whole (their frames undecoded, see SequentialSource.detach)
// to be decoded and hashed aside, in a lane of their own, while the pass reads on. Their
// errors are reported as the pass would have met them: by position, the first one first.
import type { HashLane, HashLanes } from './hash-lanes.js';
import type { FrameRun } from './sequential-source.js';

export interface AsideFile {
  size: number;
  sha256?: string;
}

/** Thrown by a file's job when an earlier file's has failed: its own result no longer matters. */
class Abandoned extends Error {}

function allZero(part: Buffer): boolean {
  for (let i = 0; i < part.length; i++) if (part[i] !== 0) return false;
  return true;
}

/**
 * Hashes the first `size` bytes of `run` in `lane`: every frame is decoded in order, and the
 * bytes after the data (the tar padding) must be zeros. One frame at a time: the lanes keep
 * each other's core busy, and each frame held is 4 MiB more memory.
 */
async function hashRun(lane: HashLane, id: number, run: FrameRun, size: number, badPadding: () => Error, abandoned: () => boolean): Promise<string> {
  let at = 0;
  try {
    for (let loaded = await run.next(); loaded; loaded = await run.next()) {
      if (abandoned()) throw new Abandoned();
      const data: Buffer[] = [];
      for (const part of loaded.parts) {
        const n = Math.min(part.length, Math.max(0, size - at));
        if (n > 0) data.push(n === part.length ? part : part.subarray(0, n));
        if (n < part.length && !allZero(part.subarray(n))) throw badPadding();
        at += part.length;
      }
      await lane.update(id, data, loaded);
    }
    return await lane.digest(id);
  } finally {
    await run.settle();
  }
}

export class AsideJobs {
  private readonly jobs: Promise<void>[] = [];
  private firstFailed: number | undefined;

  constructor(private readonly lanes: HashLanes) {}

  /** Whether a file's job has failed: the pass stops, that error is the one to report. */
  get failed(): boolean {
    return this.firstFailed !== undefined;
  }

  /**
   * Hands over the next `length` bytes (a file's data and padding) if they are whole frames,
   * once a lane is free; false if they are not (the pass then reads them itself).
   */
  async start(take: (length: number) => FrameRun | undefined, length: number, file: AsideFile, badPadding: () => Error): Promise<boolean> {
    const lane = await this.lanes.acquire();
    const run = take(length);
    if (!run) {
      this.lanes.release(lane);
      return false;
    }
    const index = this.jobs.length;
    const abandoned = () => this.firstFailed !== undefined && this.firstFailed < index;
    const job = hashRun(lane, index, run, file.size, badPadding, abandoned).then(
      (sum) => {
        file.sha256 = sum;
      },
      (error: unknown) => {
        if (this.firstFailed === undefined || index < this.firstFailed) this.firstFailed = index;
        throw error;
      },
    );
    const done = job.finally(() => this.lanes.release(lane));
    done.catch(() => undefined);
    this.jobs.push(done);
    return true;
  }

  /** Waits for every job; throws the error of the first (in the file) that failed. */
  async settle(): Promise<void> {
    const results = await Promise.allSettled(this.jobs);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !(r.reason instanceof Abandoned));
    if (failed) throw failed.reason;
  }
}
