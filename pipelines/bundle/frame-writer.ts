// Compresses a tar stream into frames as it passes (see frames.ts): each run of headers
// becomes one small frame, each file's data frames of at most 4 MiB, and the frame table
// follows the last frame. Memory stays at one frame, whatever the bundle's size.
import { Transform, type TransformCallback } from 'node:stream';
import { compressFrame } from './frame-codec.js';
import { encodeTrailer, frameLimit, type Compression, type Frame } from './frames.js';
import { block, isZeroBlock, padded, parseHeader } from './tar-header.js';

/** Frames compressed at once: libuv's four threads (the memory: as many 4 MiB frames, twice). */
const framesInFlight = 4;

type State = { kind: 'header' } | { kind: 'meta'; left: number } | { kind: 'data'; left: number } | { kind: 'end' };

export class FrameWriter extends Transform {
  private readonly frames: Frame[] = [];
  private pending: Buffer[] = [];
  private pendingSize = 0;
  /** Bytes received but not yet given to a frame (less than one header block). */
  private carry: Buffer = Buffer.alloc(0);
  private state: State = { kind: 'header' };

  constructor(private readonly compression: Compression) {
    super();
  }

  private hold(data: Buffer): void {
    this.pending.push(data);
    this.pendingSize += data.length;
  }

  /**
   * Frames being compressed, oldest first. gzip runs in libuv's thread pool, so several
   * frames compress at once (on every core) and are written out in order; zstd compresses
   * on this thread, one frame at a time whatever the queue.
   */
  private readonly compressing: { raw: number; compressed: Promise<Buffer> }[] = [];

  private async cut(): Promise<void> {
    if (this.pendingSize === 0) return;
    const raw = Buffer.concat(this.pending, this.pendingSize);
    this.pending = [];
    this.pendingSize = 0;
    const compressed = compressFrame(this.compression, raw);
    compressed.catch(() => undefined); // awaited in order by writeOldest()
    this.compressing.push({ raw: raw.length, compressed });
    while (this.compressing.length >= framesInFlight) await this.writeOldest();
  }

  /** Writes out the oldest frame once it is compressed. */
  private async writeOldest(): Promise<void> {
    const next = this.compressing.shift();
    if (!next) return;
    const compressed = await next.compressed;
    this.frames.push({ c: compressed.length, u: next.raw });
    this.push(compressed);
  }

  private async consume(input: Buffer): Promise<void> {
    let data = this.carry.length > 0 ? Buffer.concat([this.carry, input]) : input;
    this.carry = Buffer.alloc(0);
    while (data.length > 0) {
      const state = this.state;
      if (state.kind === 'end') {
        this.hold(data);
        return;
      }
      if (state.kind === 'header') {
        if (data.length < block) {
          this.carry = Buffer.from(data);
          return;
        }
        const head = data.subarray(0, block);
        data = data.subarray(block);
        if (isZeroBlock(head)) {
          // The end-of-archive blocks (and any padding) go in the last frame.
          await this.cut();
          this.hold(head);
          this.state = { kind: 'end' };
          continue;
        }
        const header = parseHeader(head);
        this.hold(head);
        const size = padded(header?.size ?? 0);
        if (header && 'xgLK'.includes(header.typeflag)) {
          this.state = size > 0 ? { kind: 'meta', left: size } : { kind: 'header' };
        } else {
          await this.cut();
          this.state = size > 0 ? { kind: 'data', left: size } : { kind: 'header' };
        }
        continue;
      }
      const room = state.kind === 'data' ? frameLimit - this.pendingSize : state.left;
      const n = Math.min(state.left, data.length, room);
      this.hold(data.subarray(0, n));
      data = data.subarray(n);
      state.left -= n;
      if (state.kind === 'data' && (state.left === 0 || this.pendingSize >= frameLimit)) await this.cut();
      if (state.left === 0) this.state = { kind: 'header' };
    }
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.consume(chunk).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    (async () => {
      if (this.carry.length > 0) this.hold(this.carry);
      await this.cut();
      while (this.compressing.length > 0) await this.writeOldest();
      this.push(encodeTrailer(this.compression, this.frames));
    })().then(() => callback(), callback);
  }
}
