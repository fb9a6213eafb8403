// Compresses and decompresses one frame of a compressed bundle: zstd through a WebAssembly
// build of libzstd (no native binary to fetch), gzip through Node's zlib.
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { createGunzip, gunzipSync, gzip } from 'node:zlib';
import { InputError } from '../errors.js';
import type { Compression } from './frames.js';
import { decodeStoredFrame, encodeStoredFrame, zstdFrameShape } from './zstd-stored.js';

const gzipAsync = promisify(gzip);
/** Frames smaller than this (tar headers, manifests) are inflated at once: the thread pool's round trip costs more. */
const inlineGunzip = 64 << 10;

type ZstdWasm = typeof import('@bokuweb/zstd-wasm');
let zstd: Promise<ZstdWasm> | undefined;
/** The bundle carries the package's files beside it (scripts/build-cli.mjs); sources load the package. */
declare const SHIPLINE_ZSTD_MODULE: string | undefined;
const zstdModule = typeof SHIPLINE_ZSTD_MODULE === 'string' ? SHIPLINE_ZSTD_MODULE : '@bokuweb/zstd-wasm';

/**
 * V8 compiles a WebAssembly function with its optimizing compiler once it has run a budget
 * of work (1.8 MB by default). Decoding a bundle's small frames (tar headers, manifests)
 * spends that budget at once, and libzstd's decoder then takes 60 ms of a core to optimize:
 * as long as the whole import of a bundle of stored frames takes to start. Thirty times the
 * budget still optimizes real work (compressing, decompressing layers: same throughput).
 */
const wasmTieringBudget = '--wasm-tiering-budget=50000000';

function loadZstd(): Promise<ZstdWasm> {
  return (zstd ??= (async () => {
    setFlagsFromString(wasmTieringBudget);
    // The package is CommonJS: required, not imported, it skips the ES loader's scan of its exports.
    const lib = createRequire(import.meta.url)(zstdModule) as ZstdWasm;
    await lib.init();
    return lib;
  })());
}

/**
 * A zstd frame that compression shrinks by less than this share of its size is written as
 * stored blocks: readers copy those out without the decoder. libzstd stores incompressible
 * blocks itself, but one compressible block (a layer's last frame ends in tar padding)
 * sends the whole frame through the decoder on every read.
 */
const worthDecoding = 1 / 64;
/**
 * zstd frames this small (tar headers, most manifests and configs) are always stored: the
 * few hundred bytes compression saves on each cost every reader libzstd's start-up (15 ms),
 * and a bundle of layers that compress no further is then read without it at all.
 */
const alwaysStored = 4 << 10;

export async function compressFrame(compression: Compression, data: Buffer): Promise<Buffer> {
  if (compression === 'gzip') return gzipAsync(data, { level: 6 });
  if (data.length <= alwaysStored) return encodeStoredFrame(data);
  const lib = await loadZstd();
  const out = lib.compress(data, 3);
  if (data.length - out.byteLength < data.length * worthDecoding) return encodeStoredFrame(data);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** libzstd's error codes (zstd_errors.h) that a damaged or hostile frame can give. */
const zstdErrors: Record<number, string> = {
  10: 'unknown frame header',
  14: 'unsupported frame parameter',
  16: 'window too large',
  20: 'corrupted data',
  22: 'checksum wrong',
  70: 'content larger than declared',
  72: 'wrong compressed size',
};

/**
 * One gzip member (or several) that must fill `data` exactly (a trailing byte is refused)
 * and give at most `size` bytes: inflating stops there, so a frame of a few MiB that would
 * inflate to gigabytes costs no more than one of the right size.
 */
async function gunzipExactly(data: Buffer, size: number): Promise<Buffer> {
  const tooLarge = () => new Error(`a frame gives more than the ${size} bytes its table says`);
  if (data.length < inlineGunzip) {
    let result: { buffer: Buffer; engine: { bytesWritten: number } };
    try {
      result = gunzipSync(data, { info: true, maxOutputLength: size + 1 }) as unknown as typeof result;
    } catch (error) {
      if (error instanceof RangeError) throw tooLarge();
      throw error;
    }
    if (result.engine.bytesWritten !== data.length) throw new Error(`${data.length - result.engine.bytesWritten} bytes follow the gzip data inside its table entry`);
    return result.buffer;
  }
  const engine = createGunzip();
  const parts: Buffer[] = [];
  let length = 0;
  await new Promise<void>((resolve, reject) => {
    engine
      .on('data', (c: Buffer) => {
        parts.push(c);
        length += c.length;
        if (length > size) engine.destroy(tooLarge());
      })
      .on('end', resolve)
      .on('error', reject)
      .on('close', () => (length > size ? reject(tooLarge()) : undefined));
    engine.end(data);
  });
  if (engine.bytesWritten !== data.length) throw new Error(`${data.length - engine.bytesWritten} bytes follow the gzip data inside its table entry`);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** The error for a frame that does not decode as its table says. */
export function damagedFrame(compression: Compression, where: string, why: string): InputError {
  return new InputError(`${where}: the ${compression} stream is corrupted (${why})`, { hint: 'the file was damaged in transit; copy it again and compare its sha256' });
}

/**
 * Decompresses a frame that must give exactly `size` bytes (anything else is a damaged
 * file), as parts in order: stored zstd blocks come out as views, without a copy. A frame
 * is accepted only whole: one zstd frame (or gzip data) filling its table entry exactly,
 * its checksum checked when it has one.
 */
export async function decompressFrame(compression: Compression, data: Buffer, size: number, where: string): Promise<Buffer[]> {
  const damaged = (why: string) => damagedFrame(compression, where, why);
  let out: Buffer[];
  try {
    if (compression === 'gzip') {
      out = [await gunzipExactly(data, size)];
    } else {
      const shape = zstdFrameShape(data, size);
      if (typeof shape === 'string') throw damaged(shape);
      const stored = shape.storedOnly && !shape.checksum ? decodeStoredFrame(data, size) : undefined;
      if (stored) {
        out = stored;
      } else {
        const lib = await loadZstd();
        let raw: Uint8Array;
        try {
          raw = lib.decompress(data, { defaultHeapSize: size });
        } catch (error) {
          // zstd-wasm reports a failed decompression as "Failed to compress with code -N".
          const code = Number(/code -?(\d+)/.exec((error as Error).message)?.[1]);
          throw damaged(`libzstd could not decompress a frame: ${zstdErrors[code] ?? `error ${Number.isNaN(code) ? (error as Error).message : code}`}`);
        }
        out = [Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)];
      }
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw damaged(`could not decompress a frame: ${(error as Error).message}`);
  }
  const length = out.reduce((n, part) => n + part.length, 0);
  if (length !== size) throw damaged(`a frame gave ${length} bytes, its table says ${size}`);
  return out;
}
