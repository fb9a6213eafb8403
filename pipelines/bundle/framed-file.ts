// Random access to the uncompressed bytes of a compressed bundle through its frame table:
// a range is read by decompressing only the frames it touches, one frame at a time.
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { decompressFrame } from './frame-codec.js';
import { decodeTrailer, frameAt, sniffCompression, type Compression, type FrameTable } from './frames.js';

export interface FramedFile {
  file: string;
  compression: Compression;
  table: FrameTable;
}

async function readAt(fh: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
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
  try {
    const end = offset + length;
    for (let i = frameAt(framed.table, offset); i < framed.table.frames.length; i++) {
      const f = framed.table.frames[i]!;
      if (f.uOffset >= end) break;
      const where = `${framed.file} (frame ${i} at byte ${f.cOffset})`;
      const data = await decompressFrame(framed.compression, await readAt(fh, f.cOffset, f.c), f.u, where);
      yield data.subarray(Math.max(0, offset - f.uOffset), Math.min(f.u, end - f.uOffset));
    }
  } finally {
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
