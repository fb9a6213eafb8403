// The uncompressed bytes of a bundle front to back, for the one pass that indexes and checks
// it: a compressed bundle's frames are each decoded, in table order, the next one while
// this one is consumed; a plain tar is read in chunks. Memory: two frames (or chunks).
import type { FileHandle } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { giveBack, lendViews, released, takeBuffer } from '../buffer-pool.js';
import { damagedFrame, decompressFrame } from './frame-codec.js';
import { readAtSync, type FramedFile } from './framed-file.js';
import { skimStoredFrame } from './zstd-stored.js';
import { frameLimit } from './frames.js';

export interface SequentialSource {
  /** Size of the uncompressed stream. */
  readonly size: number;
  /** Bytes consumed so far. */
  readonly position: number;
  /**
   * The next `length` bytes (fewer only at the end) as parts in order, valid until the next
   * call; `wanted: false` skips them (a compressed source still decodes every frame).
   */
  take(length: number, wanted?: boolean): Promise<Buffer[]>;
  /**
   * Skips the next `length` bytes and hands their frames over, undecoded (but the one
   * already being read ahead), to be decoded by the caller in their own order; undefined
   * unless the range is exactly whole frames. Every frame is still decoded once.
   */
  detach(length: number): FrameRun | undefined;
  /**
   * Skips the next `length` bytes, whole frames, each checked as a read checks it but
   * without copying out content nobody looks at (a file's data the pass neither hashes nor
   * keeps); their last `zeros` bytes (tar padding) must be zeros. False, nothing skipped,
   * unless the range is whole frames of a compressed bundle.
   */
  skim(length: number, zeros: number): Promise<'skimmed' | 'not zeros' | false>;
  close(): Promise<void>;
}

/**
 * Checks frame i as decoding it would, reading no more of it than it must; whether its
 * content from `zerosFrom` on is zeros. Undefined when only decoding can check it.
 */
export type FrameSkimmer = (i: number, zerosFrom: number) => boolean | undefined;

/** A frame's content as parts; `owner` is the pooled buffer they are views of, if they are. */
export type Loaded = { parts: Buffer[]; size: number; owner?: Buffer };

/** Frames handed over by `detach`, loaded in order. */
export interface FrameRun {
  /** The next frame's content, or undefined after the last. */
  next(): Promise<Loaded | undefined>;
  /** Waits for any read still under way (before the file is closed). */
  settle(): Promise<void>;
}

/**
 * Frames are read one at a time, when asked for: runs are decoded side by side, each
 * keeping the other's core busy while it waits for its read, so reading ahead would only
 * hold more memory.
 */
function frameRun(first: Promise<Loaded | undefined> | undefined, from: number, to: number, load: (i: number) => Promise<Loaded | undefined>): FrameRun {
  let i = from;
  let ahead = first;
  return {
    async next() {
      if (!ahead) {
        if (i >= to) return undefined;
        ahead = load(i);
      }
      const loaded = await ahead;
      ahead = undefined;
      i++;
      return loaded;
    },
    async settle() {
      await ahead?.catch(() => undefined);
      ahead = undefined;
    },
  };
}

/** Frames at least this large (file data) are followed by reading the next one ahead. */
const readAheadAfter = 64 << 10;

class Cursor implements SequentialSource {
  position = 0;
  private current: Loaded | undefined;
  /** Part index and offset inside it of the next byte of `current`. */
  private part = 0;
  private at = 0;
  private next = 0;
  private ahead: Promise<Loaded | undefined> | undefined;

  constructor(
    readonly size: number,
    private readonly load: (i: number) => Promise<Loaded | undefined>,
    private readonly fh: FileHandle,
    /** Uncompressed offset where frame i starts (the size for i = count), for `detach`. */
    private readonly frameStart?: (i: number) => number | undefined,
    private readonly skimFrame?: FrameSkimmer,
  ) {}

  /** Parts of frames already passed: given back at the next take, once no view of them is in use. */
  private spent: Buffer[] = [];

  private async advance(): Promise<boolean> {
    this.spent.push(...(this.current?.parts ?? []));
    this.ahead ??= this.load(this.next);
    const loaded = await this.ahead;
    this.next++;
    // After a small frame (a run of tar headers) comes a file's data, which the pass may
    // hand over whole (detach): it is read when asked, not held while the pass waits.
    this.ahead = loaded && (!this.frameStart || loaded.size >= readAheadAfter) ? this.load(this.next) : undefined;
    this.ahead?.catch(() => undefined);
    this.current = loaded;
    this.part = 0;
    this.at = 0;
    return loaded !== undefined;
  }

  async take(length: number, wanted = true): Promise<Buffer[]> {
    for (const p of this.spent) released(p);
    this.spent = [];
    const out: Buffer[] = [];
    let left = Math.min(length, this.size - this.position);
    while (left > 0) {
      const parts = this.current?.parts;
      if (!parts || this.part >= parts.length) {
        if (!(await this.advance())) break;
        continue;
      }
      const p = parts[this.part]!;
      const n = Math.min(left, p.length - this.at);
      if (wanted) out.push(n === p.length ? p : p.subarray(this.at, this.at + n));
      this.at += n;
      left -= n;
      this.position += n;
      if (this.at === p.length) {
        this.part++;
        this.at = 0;
      }
    }
    return out;
  }

  /** The frame after the last one of the next `length` bytes, if they are whole frames. */
  private wholeFrames(length: number): number | undefined {
    const current = this.current;
    if (!this.frameStart || length <= 0 || (current && this.part < current.parts.length)) return undefined;
    if (this.frameStart(this.next) !== this.position) return undefined;
    const end = this.position + length;
    let to = this.next + 1;
    for (let at = this.frameStart(to); at !== undefined && at < end; at = this.frameStart(to)) to++;
    return this.frameStart(to) === end ? to : undefined;
  }

  async skim(length: number, zeros: number): Promise<'skimmed' | 'not zeros' | false> {
    const to = this.wholeFrames(length);
    if (to === undefined || !this.skimFrame || !this.frameStart) return false;
    const zerosAt = this.position + length - zeros;
    // A frame already read ahead, or one only decoding can check, is decoded as by take().
    const decoded = async (loading: Promise<Loaded | undefined>, i: number) => {
      const loaded = await loading;
      if (!loaded) throw new Error(`frame ${i} of the table is missing`);
      this.spent.push(...loaded.parts);
      let at = this.frameStart!(i)!;
      for (const part of loaded.parts) {
        for (let j = Math.max(0, zerosAt - at); j < part.length; j++) if (part[j] !== 0) return false;
        at += part.length;
      }
      return true;
    };
    const ahead = this.ahead;
    this.ahead = undefined;
    this.spent.push(...(this.current?.parts ?? []));
    this.current = undefined;
    this.part = 0;
    this.at = 0;
    let zerosOk = true;
    for (let i = this.next; i < to; i++) {
      const start = this.frameStart(i)!;
      const ok = i === this.next && ahead ? await decoded(ahead, i) : (this.skimFrame(i, Math.max(0, zerosAt - start)) ?? (await decoded(this.load(i), i)));
      zerosOk &&= ok;
    }
    this.next = to;
    this.position += length;
    return zerosOk ? 'skimmed' : 'not zeros';
  }

  detach(length: number): FrameRun | undefined {
    const to = this.wholeFrames(length);
    if (to === undefined) return undefined;
    const current = this.current;
    const end = this.position + length;
    const run = frameRun(this.ahead, this.next, to, this.load);
    this.spent.push(...(current?.parts ?? []));
    this.current = undefined;
    this.part = 0;
    this.at = 0;
    this.ahead = undefined;
    this.next = to;
    this.position = end;
    return run;
  }

  async close(): Promise<void> {
    await this.ahead?.catch(() => undefined);
    await this.fh.close();
  }
}

/** Every frame of a compressed bundle, decoded in order. */
export async function framedSource(framed: FramedFile, fh: FileHandle): Promise<SequentialSource> {
  const { frames } = framed.table;
  const load = async (i: number): Promise<Loaded | undefined> => {
    const f = frames[i];
    if (!f) return undefined;
    const buffer = takeBuffer(f.c);
    const { bytesRead } = await fh.read(buffer, 0, f.c, f.cOffset);
    const parts = await decompressFrame(framed.compression, buffer.subarray(0, bytesRead), f.u, `${framed.file} (frame ${i} at byte ${f.cOffset})`);
    if (parts.some((part) => part.buffer === buffer.buffer)) return { parts: lendViews(buffer, parts), size: f.u, owner: buffer };
    giveBack(buffer);
    return { parts, size: f.u };
  };
  const frameStart = (i: number) => (i < frames.length ? frames[i]!.uOffset : i === frames.length ? framed.table.size : undefined);
  // Only a zstd frame of raw blocks can be checked without decoding (its content is those bytes).
  const skim: FrameSkimmer | undefined =
    framed.compression === 'zstd'
      ? (i, zerosFrom) => {
          const f = frames[i]!;
          const verdict = skimStoredFrame((pos, length) => readAtSync(fh.fd, f.cOffset + pos, length), f.c, f.u, zerosFrom);
          if (verdict === undefined) return undefined;
          if (verdict === 'ok' || verdict === 'not zeros') return verdict === 'ok';
          throw damagedFrame(framed.compression, `${framed.file} (frame ${i} at byte ${f.cOffset})`, verdict);
        }
      : undefined;
  return new Cursor(framed.table.size, load, fh, frameStart, skim);
}

/** A plain tar, read in chunks of a frame's size. */
export async function plainSource(file: string, size: number, fh: FileHandle): Promise<SequentialSource> {
  const load = async (i: number): Promise<Loaded | undefined> => {
    const offset = i * frameLimit;
    if (offset >= size) return undefined;
    const length = Math.min(frameLimit, size - offset);
    const buffer = takeBuffer(length);
    const { bytesRead } = await fh.read(buffer, 0, length, offset);
    if (bytesRead !== length) throw new InputError(`${file} shrank while it was read (${offset + bytesRead} of ${size} bytes)`, { hint: 'let the copy finish, then run the command again' });
    return { parts: lendViews(buffer, [buffer.subarray(0, length)]), size: length };
  };
  return new Cursor(size, load, fh);
}
