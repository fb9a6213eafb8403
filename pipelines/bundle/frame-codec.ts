// Compresses and decompresses one frame of a compressed bundle: zstd through a WebAssembly
// build of libzstd (no native binary to fetch), gzip through Node's zlib.
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { gunzip, gunzipSync, gzip } from 'node:zlib';
import { InputError } from '../errors.js';
import type { Compression } from './frames.js';
import { decodeStoredFrame, encodeStoredFrame } from './zstd-stored.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
/** Frames smaller than this (tar headers, manifests) are inflated at once: the thread pool's round trip costs more. */
const inlineGunzip = 64 << 10;

type ZstdWasm = typeof import('@bokuweb/zstd-wasm');
let zstd: Promise<ZstdWasm> | undefined;

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
    const lib = createRequire(import.meta.url)('@bokuweb/zstd-wasm') as ZstdWasm;
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

/**
 * Decompresses a frame that must give exactly `size` bytes (anything else is a damaged
 * file), as parts in order: stored zstd blocks come out as views, without a copy.
 */
export async function decompressFrame(compression: Compression, data: Buffer, size: number, where: string): Promise<Buffer[]> {
  const damaged = (why: string) =>
    new InputError(`${where}: the ${compression} stream is corrupted (${why})`, { hint: 'the file was damaged in transit; copy it again and compare its sha256' });
  let out: Buffer[];
  try {
    if (compression === 'gzip') {
      out = [data.length < inlineGunzip ? gunzipSync(data) : await gunzipAsync(data)];
    } else {
      if (data.length < 4 || data.readUInt32LE(0) !== 0xfd2fb528) throw damaged('a frame does not start with the zstd magic number');
      const stored = decodeStoredFrame(data, size);
      if (stored) {
        out = stored;
      } else {
        const lib = await loadZstd();
        const raw = lib.decompress(data, { defaultHeapSize: size });
        out = [Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)];
      }
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw damaged((error as Error).message);
  }
  const length = out.reduce((n, part) => n + part.length, 0);
  if (length !== size) throw damaged(`a frame gave ${length} bytes, its table says ${size}`);
  return out;
}
