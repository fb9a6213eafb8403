// Random access to the uncompressed bytes of a compressed bundle through its frame table:
// a range is read by decompressing only the frames it touches, one frame at a time.
// Small reads (tar headers, manifests, bundle.json) use synchronous file I/O: a few
// microseconds each, where three trips through libuv's thread pool (open, read, close)
// cost a millisecond or more on a busy machine, and opening a bundle makes dozens.
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { giveBack, lendViews, narrowed, released, takeBuffer } from '../buffer-pool.js';
import { decompressFrame } from './frame-codec.js';
import { decodeTrailer, frameAt, sniffCompression, type Compression, type FrameTable } from './frames.js';

export interface FramedFile {
  file: string;
  compression: Compression;
  table: FrameTable;
}

/** Up to `length` bytes at `offset` of an open file (fewer at its end). */
export function readAtSync(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  return buf.subarray(0, readSync(fd, buf, 0, length, offset));
}

/** The frame table of a compressed file, or undefined if the file does not start compressed. */
export async function openFramed(file: string, fd: number, fileSize: number): Promise<FramedFile | undefined> {
  const compression = sniffCompression(readAtSync(fd, 0, 4));
  if (!compression) return undefined;
  const table = await decodeTrailer(file, compression, fileSize, async (offset, length) => readAtSync(fd, offset, length));
  return { file, compression, table };
}

/**
 * The uncompressed range frame by frame, each frame's wanted parts as one batch. With
 * `readAhead`, the next frame is read while the consumer uses this one; without, only when
 * it asks for it (uploads, which run side by side anyway: half the buffers, and the
 * garbage collections their external memory triggers).
 */
export async function* frameBatches(framed: FramedFile, offset: number, length: number, readAhead = true): AsyncGenerator<Buffer[]> {
  if (length === 0) return;
  const fh = await open(framed.file, 'r');
  const end = offset + length;
  const { frames: table } = framed.table;
  // Frames are read into pooled buffers: stored blocks come out as views of it, lent until
  // a writer releases them; a frame that was decompressed is given back at once.
  const load = async (i: number) => {
    const f = table[i]!;
    const buffer = takeBuffer(f.c);
    const { bytesRead } = await fh.read(buffer, 0, f.c, f.cOffset);
    const parts = await decompressFrame(framed.compression, buffer.subarray(0, bytesRead), f.u, `${framed.file} (frame ${i} at byte ${f.cOffset})`);
    if (parts.some((part) => part.buffer === buffer.buffer)) return lendViews(buffer, parts);
    giveBack(buffer);
    return parts;
  };
  const within = (i: number) => i < table.length && table[i]!.uOffset < end;
  const loadNext = (i: number) => {
    const next = within(i) ? load(i) : undefined;
    next?.catch(() => undefined);
    return next;
  };
  let i = frameAt(framed.table, offset);
  let ahead: Promise<Buffer[]> | undefined = loadNext(i);
  try {
    while (ahead) {
      const parts = await ahead;
      const f = table[i]!;
      ahead = readAhead ? loadNext(i + 1) : undefined;
      // The wanted range of this frame, [from, to) in its content, part by part.
      const from = Math.max(0, offset - f.uOffset);
      const to = Math.min(f.u, end - f.uOffset);
      const batch: Buffer[] = [];
      let at = 0;
      for (const part of parts) {
        const start = Math.max(from, at);
        const stop = Math.min(to, at + part.length);
        if (stop <= start) released(part);
        else if (stop - start === part.length) batch.push(part);
        else batch.push(narrowed(part, part.subarray(start - at, stop - at)));
        at += part.length;
      }
      if (batch.length > 0) yield batch;
      i++;
      ahead ??= readAhead ? undefined : loadNext(i);
    }
  } finally {
    await ahead?.catch(() => undefined);
    await fh.close();
  }
}

async function* chunks(batches: AsyncIterable<Buffer[]>): AsyncGenerator<Buffer> {
  for await (const batch of batches) yield* batch;
}

/** The uncompressed range as a stream. */
export function streamRange(framed: FramedFile, offset: number, length: number): Readable {
  return Readable.from(chunks(frameBatches(framed, offset, length)), { objectMode: false });
}

/**
 * The uncompressed range in memory (headers, manifests, bundle.json), read through `fd` if
 * given (the caller's open file), else through a descriptor opened for this read.
 */
export async function readRange(framed: FramedFile, offset: number, length: number, fd?: number): Promise<Buffer> {
  const end = Math.min(offset + length, framed.table.size);
  if (end <= offset) return Buffer.alloc(0);
  const own = fd === undefined ? openSync(framed.file, 'r') : undefined;
  try {
    const { frames: table } = framed.table;
    const parts: Buffer[] = [];
    for (let i = frameAt(framed.table, offset); i < table.length && table[i]!.uOffset < end; i++) {
      const f = table[i]!;
      const data = readAtSync(own ?? fd!, f.cOffset, f.c);
      const content = await decompressFrame(framed.compression, data, f.u, `${framed.file} (frame ${i} at byte ${f.cOffset})`);
      const from = Math.max(0, offset - f.uOffset);
      const to = Math.min(f.u, end - f.uOffset);
      const whole = content.length === 1 ? content[0]! : Buffer.concat(content);
      parts.push(whole.subarray(from, to));
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  } finally {
    if (own !== undefined) closeSync(own);
  }
}
