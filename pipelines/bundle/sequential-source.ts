// The uncompressed bytes of a bundle front to back, for the one pass that indexes and checks
// it: a compressed bundle's frames are each decoded, in table order, the next one while
// this one is consumed; a plain tar is read in chunks. Memory: two frames (or chunks).
import type { FileHandle } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { giveBack, lendViews, released, takeBuffer } from '../buffer-pool.js';
import { decompressFrame } from './frame-codec.js';
import { frameLimit } from './frames.js';
import type { FramedFile } from './framed-file.js';

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
   * Passes the next `length` bytes, which another reader decodes and hashes (hash-lanes.ts):
   * frames (or chunks) lying wholly inside them are not loaded here.
   */
  skip(length: number): Promise<void>;
  close(): Promise<void>;
}

type Loaded = { parts: Buffer[]; size: number };

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
    /** Offset in the stream of frame (or chunk) `i`'s first byte. */
    private readonly startOf: (i: number) => number,
    /** Whether frame `i` is loaded ahead, while the one before it is consumed. */
    private readonly readAhead: (i: number) => boolean = () => true,
  ) {}

  /** Parts of frames already passed: given back at the next take, once no view of them is in use. */
  private spent: Buffer[] = [];

  private async advance(): Promise<boolean> {
    this.spent.push(...(this.current?.parts ?? []));
    this.ahead ??= this.load(this.next);
    const loaded = await this.ahead;
    this.next++;
    this.ahead = loaded && this.readAhead(this.next) ? this.load(this.next) : undefined;
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

  async skip(length: number): Promise<void> {
    const end = Math.min(this.position + length, this.size);
    // The rest of the frame in hand, as any read would.
    const parts = this.current?.parts;
    if (parts && this.part < parts.length) {
      const rest = parts.slice(this.part).reduce((n, p) => n + p.length, 0) - this.at;
      await this.take(Math.min(rest, end - this.position), false);
    }
    if (this.position >= end) return;
    // Now at the start of frame `next`: frames ending by `end` are the other reader's.
    let j = this.next;
    while (this.startOf(j + 1) <= end && this.startOf(j + 1) > this.startOf(j)) j++;
    if (j > this.next) {
      const ahead = this.ahead;
      this.ahead = undefined;
      // Loaded already (read ahead): let it go; its decoding is the other reader's to judge.
      const passed = await ahead?.catch(() => undefined);
      for (const p of passed?.parts ?? []) released(p);
      this.spent.push(...(this.current?.parts ?? []));
      this.current = undefined;
      this.next = j;
      this.position = this.startOf(j);
    }
    await this.take(end - this.position, false);
  }

  async close(): Promise<void> {
    await this.ahead?.catch(() => undefined);
    await this.fh.close();
  }
}

/**
 * Every frame of a compressed bundle, decoded in order. Frames of `skipAbove` bytes or more
 * are not read ahead: the pass skips the large files they hold (hash-lanes.ts hashes them).
 */
export async function framedSource(framed: FramedFile, fh: FileHandle, skipAbove = Infinity): Promise<SequentialSource> {
  const { frames } = framed.table;
  const load = async (i: number): Promise<Loaded | undefined> => {
    const f = frames[i];
    if (!f) return undefined;
    const buffer = takeBuffer(f.c);
    const { bytesRead } = await fh.read(buffer, 0, f.c, f.cOffset);
    const parts = await decompressFrame(framed.compression, buffer.subarray(0, bytesRead), f.u, `${framed.file} (frame ${i} at byte ${f.cOffset})`);
    if (parts.some((part) => part.buffer === buffer.buffer)) return { parts: lendViews(buffer, parts), size: f.u };
    giveBack(buffer);
    return { parts, size: f.u };
  };
  const startOf = (i: number) => frames[i]?.uOffset ?? framed.table.size;
  return new Cursor(framed.table.size, load, fh, startOf, (i) => (frames[i]?.u ?? 0) < skipAbove);
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
  return new Cursor(size, load, fh, (i) => Math.min(i * frameLimit, size));
}
