// The pass that checks a bundle without hashing it (an import without --key) checks the
// frames of a file's data without copying their content out: it accepts exactly what the
// pass that decodes and hashes them accepts, and refuses the rest with the same message.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { tarBytes } from '../bundle-fixtures/hostile.js';
import { FrameWriter } from '../../pipelines/bundle/frame-writer.js';
import type { Compression } from '../../pipelines/bundle/frames.js';
import { indexTar, readEntry } from '../../pipelines/bundle/tar-index.js';
import { encodeStoredFrame, skimStoredFrame } from '../../pipelines/bundle/zstd-stored.js';

const dir = mkdtempSync(join(tmpdir(), 'shipline-skim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const files = {
  'small.txt': Buffer.from('hello\n'),
  // Random (stored frames), then compressible (frames with compressed blocks, decoded).
  'big.bin': Buffer.concat([randomBytes(5 << 20), Buffer.alloc(4 << 20, 1)]),
  // Not a multiple of 512: its last frame ends in tar padding.
  'padded.bin': randomBytes((2 << 20) + 100),
};

/** The files as one tar archive (the bundle fixtures' writer). */
const tarOf = (): Promise<Buffer> => tarBytes(Object.entries(files).map(([name, data]) => ({ header: { name, size: data.length }, data })));

async function framed(tar: Buffer, name: string, compression: Compression = 'zstd'): Promise<string> {
  const file = join(dir, name);
  await pipeline(Readable.from([tar]), new FrameWriter(compression), createWriteStream(file));
  return file;
}

/** What indexing says, with and without hashing: the entries, or the error's message. */
async function bothPasses(file: string): Promise<[unknown, unknown]> {
  const outcome = (hash: boolean) =>
    indexTar(file, { hash }).then(
      (index) => index.entries.map(({ name, type, size, offset }) => ({ name, type, size, offset })),
      (error: Error) => error.message,
    );
  return [await outcome(false), await outcome(true)];
}

describe('checking frames without copying them out', () => {
  it('indexes a bundle exactly as the hashing pass does, and every file reads back', async () => {
    for (const compression of ['zstd', 'gzip'] as const) {
      const file = await framed(await tarOf(), `ok.${compression}`, compression);
      const [skimmed, hashed] = await bothPasses(file);
      expect(typeof skimmed).toBe('object');
      expect(skimmed).toEqual(hashed);
      const index = await indexTar(file);
      for (const [name, data] of Object.entries(files)) expect((await readEntry(index, index.files.get(name)!, 16 << 20)).equals(data), name).toBe(true);
    }
  });

  it('refuses a damaged block header inside a file\'s data with the message of the decoding pass', async () => {
    const file = await framed(await tarOf(), 'block.zst');
    const index = await indexTar(file);
    const big = index.files.get('big.bin')!;
    const frame = index.framed!.table.frames.find((f) => f.uOffset === big.offset)!;
    const bytes = readFileSync(file);
    // The second block header of the file's first frame (header 9 bytes, block 3 + 128 KiB).
    bytes.writeUIntLE(((128 << 10) + 8) << 3, frame.cOffset + 9 + 3 + (128 << 10), 3);
    writeFileSync(file, bytes);
    const [skimmed, hashed] = await bothPasses(file);
    expect(skimmed).toMatch(/the zstd stream is corrupted \(a block of 131080 bytes is over the 128 KiB limit\)/);
    expect(skimmed).toBe(hashed);
  });

  it('refuses tar padding that is not zeros, in a stored frame or a decoded one, as the decoding pass does', async () => {
    const tar = await tarOf();
    const plain = join(dir, 'plain.tar');
    writeFileSync(plain, tar);
    const entry = (await indexTar(plain)).files.get('padded.bin')!;
    tar[entry.offset + entry.size + 7] = 1;
    for (const compression of ['zstd', 'gzip'] as const) {
      const [skimmed, hashed] = await bothPasses(await framed(tar, `padding.${compression}`, compression));
      expect(skimmed).toMatch(/"padded\.bin".*the padding after its data is not zeros/);
      expect(skimmed).toBe(hashed);
    }
  });

  it('skimStoredFrame: the checks of the frame\'s shape, zeros from an offset, and undefined for frames only decoding checks', () => {
    const data = Buffer.concat([randomBytes(200_000), Buffer.alloc(300)]);
    const frame = encodeStoredFrame(data);
    const bytesOf = (f: Buffer) => (pos: number, length: number) => f.subarray(pos, pos + length);
    expect(skimStoredFrame(bytesOf(frame), frame.length, data.length, data.length - 300)).toBe('ok');
    expect(skimStoredFrame(bytesOf(frame), frame.length, data.length, data.length - 301)).toBe('not zeros');
    expect(skimStoredFrame(bytesOf(frame), frame.length, data.length - 1)).toMatch(/declares 200300 bytes of content, its table says 200299/);
    expect(skimStoredFrame(bytesOf(frame), frame.length - 1, data.length)).toMatch(/cut short/);
    const checksummed = Buffer.from(frame);
    checksummed[4]! |= 4;
    expect(skimStoredFrame(bytesOf(Buffer.concat([checksummed, Buffer.alloc(4)])), frame.length + 4, data.length)).toBeUndefined();
  });
});
