// zstd frames that hold only stored (raw) and RLE blocks, as libzstd writes them for
// incompressible data such as gzip-compressed image layers: decoded by copying their content
// out without running the decoder (as views of the frame, without copying), and written for
// a frame that compression would barely shrink (see frame-codec.ts). Any frame with a
// compressed block, or a checksum, is left to libzstd (undefined), which checks both. Every
// frame's shape is checked first (zstdFrameShape), so both paths accept only what `zstd -t` does.
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

/** What the frame header and block headers say: checked against RFC 8878 without decoding. */
export interface ZstdFrameShape {
  contentSize: number;
  checksum: boolean;
  /** Every block is raw or RLE: the content can be copied out without the decoder. */
  storedOnly: boolean;
}

/** Bytes `[pos, pos + length)` of a frame (fewer at its end): a view of a buffer, or a read of the file. */
export type FrameBytes = (pos: number, length: number) => Buffer;

/** A raw or RLE block: where its content starts in the frame's content, and its payload in the frame. */
interface StoredBlock {
  rle: boolean;
  content: number;
  size: number;
  payload: number;
}

/**
 * Walks one zstd frame's header and block headers (compressed blocks are skipped by their
 * size) and returns its shape, or the reason it is refused: the frame must fill `frame`
 * exactly (nothing before or after it, no second frame), declare its content size (every
 * frame shipline writes does) and equal `size`, use no dictionary, and keep every block
 * within 128 KiB, as `zstd -t` requires.
 */
export function zstdFrameShape(frame: Buffer, size: number): ZstdFrameShape | string {
  return walkFrame((pos, length) => frame.subarray(pos, pos + length), frame.length, size);
}

/** zstdFrameShape over bytes read as they are needed; raw and RLE blocks are listed in `blocks` if given. */
function walkFrame(bytes: FrameBytes, frameLength: number, size: number, blocks?: StoredBlock[]): ZstdFrameShape | string {
  // The longest header: magic, descriptor, window, 4-byte dictionary ID, 8-byte content size.
  const head = bytes(0, Math.min(frameLength, 18));
  if (head.length < 6 || head.readUInt32LE(0) !== magic) return 'a frame does not start with the zstd magic number';
  const descriptor = head[4]!;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const checksum = ((descriptor >> 2) & 1) === 1;
  const dictFlag = descriptor & 3;
  if ((descriptor >> 3) & 1) return 'a frame header sets the reserved bit';
  if (dictFlag !== 0) return 'a frame needs a dictionary';
  const fcsBytes = [singleSegment, 2, 4, 8][fcsFlag]!;
  if (fcsBytes === 0) return 'a frame does not declare its content size';
  const fcsAt = 5 + (singleSegment ? 0 : 1);
  let pos = fcsAt + fcsBytes;
  if (pos > head.length) return 'a frame header is cut short';
  let contentSize: number;
  if (fcsBytes === 1) contentSize = head[fcsAt]!;
  else if (fcsBytes === 2) contentSize = head.readUInt16LE(fcsAt) + 256;
  else if (fcsBytes === 4) contentSize = head.readUInt32LE(fcsAt);
  else contentSize = Number(head.readBigUInt64LE(fcsAt));
  if (contentSize !== size) return `a frame declares ${contentSize} bytes of content, its table says ${size}`;
  let storedOnly = true;
  let written = 0;
  for (;;) {
    const bytesOfHeader = pos + 3 <= frameLength ? bytes(pos, 3) : undefined;
    if (bytesOfHeader?.length !== 3) return 'a block header is cut short';
    const header = bytesOfHeader[0]! | (bytesOfHeader[1]! << 8) | (bytesOfHeader[2]! << 16);
    pos += 3;
    const type = (header >> 1) & 3;
    const blockSize = header >>> 3;
    if (type === 3) return 'a block has the reserved type';
    if (blockSize > maxBlock) return `a block of ${blockSize} bytes is over the 128 KiB limit`;
    const stored = type === 0 ? blockSize : type === 1 ? 1 : blockSize;
    if (type === 2) storedOnly = false;
    else {
      blocks?.push({ rle: type === 1, content: written, size: blockSize, payload: pos });
      written += blockSize;
    }
    if (pos + stored > frameLength) return 'a block is cut short';
    pos += stored;
    if (written > size) return `a frame's blocks hold more than the ${size} bytes its table says`;
    if (header & 1) break;
  }
  if (checksum) pos += 4;
  if (pos !== frameLength) return pos > frameLength ? 'the frame checksum is cut short' : `${frameLength - pos} bytes follow a frame inside its table entry`;
  if (storedOnly && written !== size) return `a frame's blocks hold ${written} bytes, its table says ${size}`;
  return { contentSize, checksum, storedOnly };
}

/**
 * Checks a frame of `frameLength` bytes without copying its content out, reading only its
 * headers (and the content from `zerosFrom` on, which must be zeros: tar padding): the
 * same checks as zstdFrameShape, and a frame of raw and RLE blocks without a checksum has
 * nothing else to check, its content being those blocks' bytes. Returns the reason a frame
 * is refused, 'not zeros', 'ok', or undefined for a frame that only decoding can check
 * (a compressed block, a checksum).
 */
export function skimStoredFrame(bytes: FrameBytes, frameLength: number, size: number, zerosFrom = size): 'ok' | 'not zeros' | string | undefined {
  const blocks: StoredBlock[] = [];
  const shape = walkFrame(bytes, frameLength, size, blocks);
  if (typeof shape === 'string') return shape;
  if (!shape.storedOnly || shape.checksum) return undefined;
  for (const block of blocks) {
    const from = Math.max(zerosFrom, block.content);
    const to = block.content + block.size;
    if (from >= to) continue;
    const data = block.rle ? bytes(block.payload, 1) : bytes(block.payload + from - block.content, to - from);
    if (data.length !== (block.rle ? 1 : to - from)) return 'a block is cut short';
    for (let i = 0; i < data.length; i++) if (data[i] !== 0) return 'not zeros';
  }
  return 'ok';
}

/** The frame's content as parts in order (views into `frame` for stored blocks). */
export function decodeStoredFrame(frame: Buffer, size: number): Buffer[] | undefined {
  if (frame.length < 6 || frame.readUInt32LE(0) !== magic) return undefined;
  const descriptor = frame[4]!;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const checksum = (descriptor >> 2) & 1;
  const dictFlag = descriptor & 3;
  if ((descriptor >> 3) & 1 || dictFlag !== 0 || checksum) return undefined; // libzstd checks the checksum
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
  if (pos !== frame.length || written !== size) return undefined;
  return parts;
}
