// Builds hostile bundles from real ones, for the adversarial tests: frames taken apart and
// put back with a changed table, tars rebuilt with entries added before or after the real
// ones, and the standard tools' view (zstd -dc / gunzip / tar) of any bundle.
import { createHash } from 'node:crypto';
import { copyFileSync, createWriteStream, mkdirSync, readdirSync, readFileSync, lstatSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack, type Header } from 'tar-stream';
import { run } from '../../pipelines/adapters/process.js';
import { compressFrame, decompressFrame } from '../../pipelines/bundle/frame-codec.js';
import { FrameWriter } from '../../pipelines/bundle/frame-writer.js';
import { decodeTrailer, encodeTrailer, sniffCompression, type Compression } from '../../pipelines/bundle/frames.js';

export interface RawFrame {
  /** The frame's bytes in the file. */
  bytes: Buffer;
  /** Its uncompressed size as the table lists it. */
  u: number;
}

/** A framed bundle taken apart: its compression and frames as they are in the file. */
export async function readFrames(file: string): Promise<{ compression: Compression; frames: RawFrame[] }> {
  const data = readFileSync(file);
  const compression = sniffCompression(data)!;
  const table = await decodeTrailer(file, compression, data.length, async (o, l) => data.subarray(o, o + l));
  return { compression, frames: table.frames.map((f) => ({ bytes: data.subarray(f.cOffset, f.cOffset + f.c), u: f.u })) };
}

/** Frames put back together, with the table listing `listed` (by default the frames themselves). */
export function writeFrames(file: string, compression: Compression, frames: readonly RawFrame[], listed: readonly RawFrame[] = frames): void {
  writeFileSync(file, Buffer.concat([...frames.map((f) => f.bytes), encodeTrailer(compression, listed.map((f) => ({ c: f.bytes.length, u: f.u })))]));
}

export async function frameOf(compression: Compression, data: Buffer): Promise<RawFrame> {
  return { bytes: await compressFrame(compression, data), u: data.length };
}

/** The uncompressed tar of a framed bundle (through shipline's decoder: for building, not judging). */
export async function plainTarOf(file: string): Promise<Buffer> {
  const { compression, frames } = await readFrames(file);
  const parts = [];
  for (const f of frames) parts.push(...(await decompressFrame(compression, f.bytes, f.u, file)));
  return Buffer.concat(parts);
}

export interface TarItem {
  header: Partial<Header> & { name: string };
  data?: Buffer;
}

/** Tar bytes of these items; `end` adds the end-of-archive marker. */
export async function tarBytes(items: readonly TarItem[], end = true): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => p.on('end', () => resolve()));
  for (const item of items) await new Promise<void>((resolve, reject) => p.entry({ mtime: new Date(0), ...item.header } as Header, item.data ?? Buffer.alloc(0), (e) => (e ? reject(e) : resolve())));
  p.finalize();
  await done;
  const all = Buffer.concat(chunks);
  return end ? all : all.subarray(0, all.length - 1024);
}

/** The entries of a tar (regular files with their data). */
export async function tarItems(tar: Buffer): Promise<TarItem[]> {
  const items: TarItem[] = [];
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
    stream.on('end', () => {
      items.push({ header, data: Buffer.concat(chunks) });
      next();
    });
  });
  await pipeline(Readable.from([tar]), ex);
  return items;
}

/** Writes a tar as a bundle of `compression` (framed as shipline frames it) or plain. */
export async function writeBundle(file: string, tar: Buffer, compression: Compression | 'none'): Promise<void> {
  if (compression === 'none') writeFileSync(file, tar);
  else await pipeline(Readable.from([tar]), new FrameWriter(compression), createWriteStream(file));
}

/**
 * What standard tools extract from a bundle: `zstd -dc` or `gunzip -c` (for a compressed
 * one), then GNU `tar -x`, into `dir`. Returns every path written with its kind and sha256.
 */
export async function extractWithStandardTools(file: string, compression: Compression | 'none', dir: string): Promise<{ ok: boolean; files: Map<string, string>; others: string[] }> {
  mkdirSync(dir, { recursive: true });
  let tar = file;
  if (compression !== 'none') {
    tar = `${dir}.tar`;
    if (compression === 'gzip') copyFileSync(file, `${tar}.gz`);
    const decoded = await run(compression === 'zstd' ? ['zstd', '-q', '-d', '-f', file, '-o', tar] : ['gunzip', '-f', `${tar}.gz`], { nothrow: true });
    if (decoded.exitCode !== 0) return { ok: false, files: new Map(), others: [] };
  }
  const unpacked = await run(['tar', '-x', '-f', tar, '-C', dir], { nothrow: true });
  const files = new Map<string, string>();
  const others: string[] = [];
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      const stat = lstatSync(path);
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) files.set(relative(dir, path), `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
      else others.push(relative(dir, path));
    }
  };
  walk(dir);
  return { ok: unpacked.exitCode === 0, files, others };
}

/** The files a signed bundle promises: bundle.json's list, bundle.json and its signature. */
export function signedFiles(bundleJson: Buffer, signature: Buffer): Map<string, string> {
  const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  const listed = (JSON.parse(bundleJson.toString('utf8')) as { files: Record<string, { sha256: string }> }).files;
  return new Map([...Object.entries(listed).map(([p, f]) => [p, f.sha256] as const), ['bundle.json', sha(bundleJson)], ['bundle.json.sig', sha(signature)]]);
}
