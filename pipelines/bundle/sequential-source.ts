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
  ) {}

  /** Parts of frames already passed: given back at the next take, once no view of them is in use. */
  private spent: Buffer[] = [];

  private async advance(): Promise<boolean> {
    this.spent.push(...(this.current?.parts ?? []));
    this.ahead ??= this.load(this.next);
    const loaded = await this.ahead;
    this.next++;
    this.ahead = loaded ? this.load(this.next) : undefined;
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
    if (parts.some((part) => part.buffer === buffer.buffer)) return { parts: lendViews(buffer, parts), size: f.u };
    giveBack(buffer);
    return { parts, size: f.u };
  };
  return new Cursor(framed.table.size, load, fh);
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
