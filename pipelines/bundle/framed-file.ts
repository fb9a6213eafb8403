// Random access to the uncompressed bytes of a compressed bundle through its frame table:
// a range is read by decompressing only the frames it touches, one frame at a time.
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { giveBack, lendViews, narrowed, released, takeBuffer } from '../buffer-pool.js';
import { decompressFrame } from './frame-codec.js';
import { decodeTrailer, frameAt, sniffCompression, type Compression, type FrameTable } from './frames.js';

export interface FramedFile {
  file: string;
  compression: Compression;
  table: FrameTable;
}

async function readAt(fh: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  const { bytesRead } = await fh.read(buf, 0, length, offset);
  return buf.subarray(0, bytesRead);
}

/** The frame table of a compressed file, or undefined if the file does not start compressed. */
export async function openFramed(file: string, fh: FileHandle, fileSize: number): Promise<FramedFile | undefined> {
  const compression = sniffCompression(await readAt(fh, 0, 4));
  if (!compression) return undefined;
  const table = await decodeTrailer(file, compression, fileSize, (offset, length) => readAt(fh, offset, length));
  return { file, compression, table };
}

async function* frames(framed: FramedFile, offset: number, length: number): AsyncGenerator<Buffer> {
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
  let i = frameAt(framed.table, offset);
  // One frame ahead: the next decompresses while the consumer hashes and sends this one.
  let ahead: Promise<Buffer[]> | undefined = within(i) ? load(i) : undefined;
  try {
    while (ahead) {
      const parts = await ahead;
      const f = table[i]!;
      ahead = within(i + 1) ? load(i + 1) : undefined;
      ahead?.catch(() => undefined);
      // The wanted range of this frame, [from, to) in its content, part by part.
      const from = Math.max(0, offset - f.uOffset);
      const to = Math.min(f.u, end - f.uOffset);
      let at = 0;
      for (const part of parts) {
        const start = Math.max(from, at);
        const stop = Math.min(to, at + part.length);
        if (stop <= start) released(part);
        else if (stop - start === part.length) yield part;
        else yield narrowed(part, part.subarray(start - at, stop - at));
        at += part.length;
      }
      i++;
    }
  } finally {
    await ahead?.catch(() => undefined);
    await fh.close();
  }
}

/** The uncompressed range as a stream. */
export function streamRange(framed: FramedFile, offset: number, length: number): Readable {
  return Readable.from(frames(framed, offset, length), { objectMode: false });
}

/** The uncompressed range in memory (headers, manifests, bundle.json). */
export async function readRange(framed: FramedFile, offset: number, length: number): Promise<Buffer> {
  const end = Math.min(offset + length, framed.table.size);
  const parts: Buffer[] = [];
  for await (const part of frames(framed, offset, Math.max(0, end - offset))) parts.push(part);
  return Buffer.concat(parts);
}
