// sha256 of a range of a bundle's uncompressed tar, read through its own descriptor in
// pieces of 256 KiB: the hashing lanes (hash-lanes.ts) hold two pieces each, not two 4 MiB
// frames. A zstd frame of stored blocks without checksum (what shipline writes for layers
// that compress no further) is walked piece by piece, checking exactly what zstdFrameShape
// and decodeStoredFrame check; any other frame, or one the walk refuses, is read whole and
// given to decompressFrame, whose answer (content or error) is then the only one used.
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { decompressFrame } from './frame-codec.js';
import type { Compression } from './frames.js';

export interface RangeJob {
  file: string;
  /** The range of the uncompressed tar to hash. */
  offset: number;
  length: number;
  /** A plain tar: its size on disk (for the message if it shrinks). */
  plainSize: number;
  framed?: { compression: Compression; frames: { index: number; c: number; cOffset: number; u: number; uOffset: number }[] };
}

const pieceSize = 1 << 20;
const magic = 0xfd2fb528;
const maxBlock = 128 << 10;

/** Piece buffers of this thread, used again: dropped ones pile up as external memory until a GC. */
const spareBuffers: Buffer[] = [];
const sparesKept = 4;

/** Bytes [start, end) of a file, front to back, one piece read ahead. */
class Pieces {
  private piece: Buffer = Buffer.alloc(0);
  private at = 0;
  private next: Promise<Buffer> | undefined;
  private readFrom: number;
  private readonly spare = [spareBuffers.pop() ?? Buffer.allocUnsafeSlow(pieceSize), spareBuffers.pop() ?? Buffer.allocUnsafeSlow(pieceSize)];
  private turn = 0;

  constructor(
    private readonly fh: FileHandle,
    start: number,
    private readonly end: number,
    private readonly shrank: (at: number) => Error,
  ) {
    this.readFrom = start;
    this.next = this.read();
  }

  private read(): Promise<Buffer> | undefined {
    if (this.readFrom >= this.end) return undefined;
    const at = this.readFrom;
    const length = Math.min(pieceSize, this.end - at);
    this.readFrom += length;
    const buffer = this.spare[this.turn++ % 2]!;
    const p = this.fh.read(buffer, 0, length, at).then(({ bytesRead }) => {
      if (bytesRead !== length) throw this.shrank(at + bytesRead);
      return buffer.subarray(0, length);
    });
    p.catch(() => undefined);
    return p;
  }

  /** Done with: the buffers go back once no read is filling them. */
  async close(): Promise<void> {
    await this.next?.catch(() => undefined);
    this.next = undefined;
    for (const b of this.spare) if (spareBuffers.length < sparesKept) spareBuffers.push(b);
  }

  /** Up to `n` bytes (at least one, unless the range is used up), valid until the next call. */
  async view(n: number): Promise<Buffer> {
    if (this.at === this.piece.length) {
      if (!this.next) return Buffer.alloc(0);
      this.piece = await this.next;
      this.at = 0;
      this.next = this.read();
    }
    const out = this.piece.subarray(this.at, Math.min(this.piece.length, this.at + n));
    this.at += out.length;
    return out;
  }

  /** Exactly `n` small bytes (a header), copied. */
  async bytes(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (let left = n; left > 0; ) {
      const v = await this.view(left);
      if (v.length === 0) break;
      parts.push(Buffer.from(v));
      left -= v.length;
    }
    return Buffer.concat(parts);
  }
}

/** Hashes the content bytes [from, to) of a frame as they pass. */
type Sink = (content: Buffer) => void;

/**
 * Walks a stored-block zstd frame of `c` bytes, feeding its content to `sink`; false when it
 * is anything else (a compressed block, a checksum) or breaks a rule (then the frame is
 * decoded whole, which names the rule). True only where zstdFrameShape would find a
 * stored-only frame without checksum and decodeStoredFrame give the same content.
 */
async function walkStored(pieces: Pieces, c: number, size: number, sink: Sink): Promise<boolean> {
  if (c < 6) return false;
  const head = await pieces.bytes(Math.min(c, 14));
  if (head.readUInt32LE(0) !== magic) return false;
  const descriptor = head[4]!;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  if ((descriptor >> 3) & 1 || (descriptor & 3) !== 0 || (descriptor >> 2) & 1) return false;
  const fcsBytes = [singleSegment, 2, 4, 8][fcsFlag]!;
  if (fcsBytes === 0) return false;
  const fcsAt = 5 + (singleSegment ? 0 : 1);
  let pos = fcsAt + fcsBytes;
  if (pos > c) return false;
  let contentSize: number;
  if (fcsBytes === 1) contentSize = head[fcsAt]!;
  else if (fcsBytes === 2) contentSize = head.readUInt16LE(fcsAt) + 256;
  else if (fcsBytes === 4) contentSize = head.readUInt32LE(fcsAt);
  else contentSize = Number(head.readBigUInt64LE(fcsAt));
  if (contentSize !== size) return false;
  // The bytes read past the header (up to 14 were read) start the first block header.
  let carry = head.subarray(pos);
  const take = async (n: number): Promise<Buffer> => {
    if (carry.length >= n) {
      const out = carry.subarray(0, n);
      carry = carry.subarray(n);
      return out;
    }
    const out = Buffer.concat([carry, await pieces.bytes(n - carry.length)]);
    carry = Buffer.alloc(0);
    return out;
  };
  let written = 0;
  for (;;) {
    if (pos + 3 > c) return false;
    const h = await take(3);
    const header = h[0]! | (h[1]! << 8) | (h[2]! << 16);
    pos += 3;
    const type = (header >> 1) & 3;
    const blockSize = header >>> 3;
    if (type === 3 || type === 2 || blockSize > maxBlock) return false;
    const stored = type === 0 ? blockSize : 1;
    if (pos + stored > c) return false;
    written += blockSize;
    if (written > size) return false;
    if (type === 1) {
      sink(Buffer.alloc(blockSize, (await take(1))[0]!));
    } else {
      for (let left = blockSize; left > 0; ) {
        const v = carry.length > 0 ? await take(Math.min(left, carry.length)) : await pieces.view(left);
        sink(v);
        left -= v.length;
      }
    }
    pos += stored;
    if (header & 1) break;
  }
  return pos === c && written === size && carry.length === 0;
}

export async function hashRange(job: RangeJob): Promise<string> {
  let hash: Hash = createHash('sha256');
  const end = job.offset + job.length;
  const fh = await open(job.file, 'r');
  try {
    if (!job.framed) {
      const pieces = new Pieces(fh, job.offset, end, (at) => new InputError(`${job.file} shrank while it was read (${at} of ${job.plainSize} bytes)`, { hint: 'let the copy finish, then run the command again' }));
      try {
        for (let v = await pieces.view(pieceSize); v.length > 0; v = await pieces.view(pieceSize)) hash.update(v);
      } finally {
        await pieces.close();
      }
    } else {
      const { compression, frames } = job.framed;
      // The frames lie back to back in the file: one run of pieces over all of them, begun
      // again after a frame that had to be read whole.
      const span = (i: number) => new Pieces(fh, frames[i]!.cOffset, frames.at(-1)!.cOffset + frames.at(-1)!.c, () => new Error('short read'));
      let pieces = compression === 'zstd' && frames.length > 0 ? span(0) : undefined;
      for (const [i, f] of frames.entries()) {
        const from = Math.max(0, job.offset - f.uOffset);
        const to = Math.min(f.u, end - f.uOffset);
        let at = 0;
        const sink: Sink = (content) => {
          const start = Math.max(from, at);
          const stop = Math.min(to, at + content.length);
          if (stop > start) hash.update(stop - start === content.length ? content : content.subarray(start - at, stop - at));
          at += content.length;
        };
        if (pieces) {
          const before = hash.copy();
          // A read past the file's end (it is shorter than its table) fails the walk too.
          if (await walkStored(pieces, f.c, f.u, sink).catch(() => false)) continue;
          hash = before;
          at = 0;
        }
        const buffer = Buffer.allocUnsafeSlow(f.c);
        const { bytesRead } = await fh.read(buffer, 0, f.c, f.cOffset);
        for (const part of await decompressFrame(compression, buffer.subarray(0, bytesRead), f.u, `${job.file} (frame ${f.index} at byte ${f.cOffset})`)) sink(part);
        if (pieces && i + 1 < frames.length) {
          await pieces.close();
          pieces = span(i + 1);
        }
      }
      await pieces?.close();
    }
  } finally {
    await fh.close();
  }
  return `sha256:${hash.digest('hex')}`;
}
