// A fast path for zstd frames that hold only stored (raw) and RLE blocks, as libzstd writes
// them for incompressible data such as gzip-compressed image layers: their content is copied
// out without running the decoder (as views of the frame, without copying). Any frame with a compressed block is left to libzstd
// (undefined). The content is checked by its sha256 afterwards like every other read.
// Format: RFC 8878, sections 3.1.1 (frame header) and 3.1.1.2 (block headers).

const magic = 0xfd2fb528;

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
