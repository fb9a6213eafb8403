// The compressed bundle format, pure: the tar is cut into independently compressed frames
// (each tar header on its own, data in frames of at most 4 MiB), so any file inside can be
// read by seeking, several at once. Concatenated zstd frames (or gzip members) are one valid
// stream: `zstd -d` / `gunzip` and `tar` read the file as they read any .tar.zst / .tar.gz.
// The frame table sits at the end where decoders skip it: in a zstd skippable frame, or in
// the extra field of an empty gzip member.
import { InputError } from '../errors.js';

export type Compression = 'zstd' | 'gzip';
export const compressions = ['zstd', 'gzip', 'none'] as const;

/** Most uncompressed bytes in one frame: bounds the memory of a reader per open file. */
export const frameLimit = 4 << 20;
/**
 * Most compressed bytes in one frame: a frame of frameLimit incompressible bytes grows by
 * less than this (zstd's compress bound adds 1/256, deflate 5 bytes per 16 KiB block).
 */
export const compressedFrameLimit = frameLimit + (frameLimit >> 7);

export interface Frame {
  /** Compressed size. */
  c: number;
  /** Uncompressed size. */
  u: number;
}

const magic = Buffer.from('SHPLFRM1');
const zstdMagic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const skippableMagic = 0x184d2a5e;
/** Empty deflate block, CRC32 0, size 0: the end of the gzip member that holds the table. */
const gzipTail = Buffer.from([0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
const maxGzipExtra = 65531;

/** The compression of a file from its first bytes. */
export function sniffCompression(head: Buffer): Compression | undefined {
  if (head.length >= 4 && head.subarray(0, 4).equals(zstdMagic)) return 'zstd';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  return undefined;
}

function tablePayload(frames: readonly Frame[]): Buffer {
  const out = Buffer.alloc(frames.length * 8 + 4 + magic.length);
  frames.forEach((f, i) => {
    out.writeUInt32LE(f.c, i * 8);
    out.writeUInt32LE(f.u, i * 8 + 4);
  });
  out.writeUInt32LE(frames.length, frames.length * 8);
  magic.copy(out, frames.length * 8 + 4);
  return out;
}

/** The bytes appended after the last frame. */
export function encodeTrailer(compression: Compression, frames: readonly Frame[]): Buffer {
  const payload = tablePayload(frames);
  if (compression === 'zstd') {
    const head = Buffer.alloc(8);
    head.writeUInt32LE(skippableMagic, 0);
    head.writeUInt32LE(payload.length, 4);
    return Buffer.concat([head, payload]);
  }
  if (payload.length + 4 > maxGzipExtra) {
    throw new InputError(`the bundle needs ${frames.length} frames, more than a gzip frame table holds`, { hint: 'use --compress zstd for bundles this large' });
  }
  const head = Buffer.from([0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0x00, 0xff, 0, 0, 0x53, 0x48, 0, 0]);
  head.writeUInt16LE(payload.length + 4, 10);
  head.writeUInt16LE(payload.length, 14);
  return Buffer.concat([head, payload, gzipTail]);
}

/** How many bytes from the end of the file to read to find the table's count and magic. */
export function trailerProbe(compression: Compression): number {
  return 4 + magic.length + (compression === 'gzip' ? gzipTail.length : 0);
}

export interface FrameTable {
  frames: (Frame & { cOffset: number; uOffset: number })[];
  /** Size of the uncompressed tar. */
  size: number;
}

const truncatedHint = 'the file was cut short or changed (an interrupted copy?); copy it again and compare its sha256';

/**
 * Reads the frame table, given the file size, its last `trailerProbe` bytes, and a reader
 * of any range; checks that the frames cover the file exactly.
 */
export async function decodeTrailer(
  file: string,
  compression: Compression,
  fileSize: number,
  read: (offset: number, length: number) => Promise<Buffer>,
): Promise<FrameTable> {
  const probe = trailerProbe(compression);
  const missing = () =>
    new InputError(`${file} is truncated or is not a shipline bundle: its ${compression} stream has no frame table at its end`, {
      hint: `${truncatedHint}; a .tar.${compression === 'zstd' ? 'zst' : 'gz'} made by another tool must be decompressed first`,
    });
  if (fileSize < probe + 8) throw missing();
  const tail = await read(fileSize - probe, probe);
  const end = compression === 'gzip' ? tail.length - gzipTail.length : tail.length;
  if (!tail.subarray(end - magic.length, end).equals(magic) || (compression === 'gzip' && !tail.subarray(end).equals(gzipTail))) throw missing();
  const count = tail.readUInt32LE(end - magic.length - 4);
  const payloadSize = count * 8 + 4 + magic.length;
  const wrapper = compression === 'zstd' ? 8 : 16 + gzipTail.length;
  const trailerSize = payloadSize + wrapper;
  if (trailerSize > fileSize) throw missing();
  const trailer = await read(fileSize - trailerSize, trailerSize);
  const payload = trailer.subarray(compression === 'zstd' ? 8 : 16, (compression === 'zstd' ? 8 : 16) + payloadSize);
  if (!trailer.equals(encodeTrailer(compression, decodeTable(payload, count)))) {
    throw new InputError(`${file}: the ${compression === 'zstd' ? 'skippable frame' : 'gzip member'} around its frame table is not the one shipline writes`, { hint: truncatedHint });
  }
  const frames: FrameTable['frames'] = [];
  let cOffset = 0;
  let uOffset = 0;
  for (const [i, { c, u }] of decodeTable(payload, count).entries()) {
    // A frame of no content is skipped by a reader of the table but not by `zstd -d` or
    // `gunzip`: it could hide tar entries. None is ever written, nor one over the limit.
    if (u === 0 || u > frameLimit || c === 0 || c > compressedFrameLimit) {
      throw new InputError(`${file}: frame ${i} of its table holds ${c} compressed and ${u} uncompressed bytes; shipline writes frames of 1 to ${frameLimit} bytes (at most ${compressedFrameLimit} compressed)`, {
        hint: 'the bundle was changed after it was made; get it again from its source',
      });
    }
    frames.push({ c, u, cOffset, uOffset });
    cOffset += c;
    uOffset += u;
  }
  if (cOffset !== fileSize - trailerSize) {
    throw new InputError(`${file}: its frame table covers ${cOffset} bytes of ${compression} data, but the file holds ${fileSize - trailerSize}`, { hint: truncatedHint });
  }
  return { frames, size: uOffset };
}

function decodeTable(payload: Buffer, count: number): Frame[] {
  const frames: Frame[] = [];
  for (let i = 0; i < count; i++) frames.push({ c: payload.readUInt32LE(i * 8), u: payload.readUInt32LE(i * 8 + 4) });
  return frames;
}

/** Index of the frame holding uncompressed offset `at` (frames sorted by uOffset). */
export function frameAt(table: FrameTable, at: number): number {
  let lo = 0;
  let hi = table.frames.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (table.frames[mid]!.uOffset <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
