// zstd frames that hold only stored (raw) and RLE blocks, as libzstd writes them for
// incompressible data such as gzip-compressed image layers: decoded by copying their content
// out without running the decoder (as views of the frame, without copying), and written for
// a frame that compression would barely shrink (see frame-codec.ts). Any frame with a
// compressed block is left to libzstd (undefined). The content is checked by its sha256
// afterwards like every other read.
// Format: RFC 8878, sections 3.1.1 (frame header) and 3.1.1.2 (block headers).

const magic = 0xfd2fb528;
/** Largest block: 128 KiB (Block_Maximum_Size; the window, the frame's content, is larger or equal). */
const maxBlock = 128 << 10;

/**
 * `data` as one frame of stored blocks: a single-segment frame header with a 4-byte
 * content size (so up to 4 GiB), no checksum, then the data in blocks of at most 128 KiB.
 */
export function encodeStoredFrame(data: Buffer): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / maxBlock));
  const out = Buffer.allocUnsafe(9 + blocks * 3 + data.length);
  out.writeUInt32LE(magic, 0);
  out[4] = (2 << 6) | (1 << 5); // Frame_Content_Size_Flag 2 (4 bytes), Single_Segment_Flag
  out.writeUInt32LE(data.length, 5);
  let pos = 9;
  for (let i = 0; i < blocks; i++) {
    const part = data.subarray(i * maxBlock, (i + 1) * maxBlock);
    const header = (part.length << 3) | (i === blocks - 1 ? 1 : 0); // Block_Type 0: raw
    out[pos] = header & 0xff;
    out[pos + 1] = (header >> 8) & 0xff;
    out[pos + 2] = (header >> 16) & 0xff;
    part.copy(out, pos + 3);
    pos += 3 + part.length;
  }
  return out;
}

/** The frame's content as parts in order (views into `frame` for stored blocks). */
export function decodeStoredFrame(frame: Buffer, size: number): Buffer[] | undefined {
  if (frame.length < 6 || frame.readUInt32LE(0) !== magic) return undefined;
  const descriptor = frame[4]!;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const checksum = (descriptor >> 2) & 1;
  const dictFlag = descriptor & 3;
  if ((descriptor >> 3) & 1) return undefined; // reserved bit
  let pos = 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][dictFlag]! + [singleSegment, 2, 4, 8][fcsFlag]!;
  const parts: Buffer[] = [];
  let written = 0;
  for (;;) {
    if (pos + 3 > frame.length) return undefined;
    const header = frame[pos]! | (frame[pos + 1]! << 8) | (frame[pos + 2]! << 16);
    pos += 3;
    const last = header & 1;
    const type = (header >> 1) & 3;
    const blockSize = header >>> 3;
    if (written + blockSize > size) return undefined;
    if (type === 0) {
      if (pos + blockSize > frame.length) return undefined;
      parts.push(frame.subarray(pos, pos + blockSize));
      pos += blockSize;
    } else if (type === 1) {
      if (pos + 1 > frame.length) return undefined;
      parts.push(Buffer.alloc(blockSize, frame[pos]!));
      pos += 1;
    } else {
      return undefined;
    }
    written += blockSize;
    if (last) break;
  }
  if (pos + (checksum ? 4 : 0) !== frame.length || written !== size) return undefined;
  return parts;
}
