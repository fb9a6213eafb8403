// The compressed bundle format: frames cut at tar headers and every 4 MiB, a frame table
// at the end, random access to any range, and clear errors for damaged files.
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { pack } from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../pipelines/errors.js';
import { run } from '../../pipelines/adapters/process.js';
import { FrameWriter } from '../../pipelines/bundle/frame-writer.js';
import { openFramed, readRange } from '../../pipelines/bundle/framed-file.js';
import { decodeTrailer, encodeTrailer, frameAt, frameLimit, type Compression } from '../../pipelines/bundle/frames.js';
import { indexTar, readEntry } from '../../pipelines/bundle/tar-index.js';

const dir = mkdtempSync(join(tmpdir(), 'shipline-frames-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const files = {
  'small.txt': Buffer.from('hello\n'),
  'big.bin': Buffer.concat([randomBytes(5 << 20), Buffer.alloc(4 << 20, 1)]),
  [`${'long-name/'.repeat(12)}file.txt`]: Buffer.from('a pax or GNU long name'),
};

async function plainTar(): Promise<Buffer> {
  const p = pack();
  for (const [name, data] of Object.entries(files)) p.entry({ name, size: data.length, mtime: new Date(0) }, data);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function framed(compression: Compression, name: string): Promise<{ file: string; tar: Buffer }> {
  const tar = await plainTar();
  const file = join(dir, name);
  await pipeline(Readable.from([tar.subarray(0, 1000), tar.subarray(1000, 777_777), tar.subarray(777_777)]), new FrameWriter(compression), createWriteStream(file));
  return { file, tar };
}

describe('the one pass', () => {
  it('hashes every file exactly, of a plain tar (reads straddling its chunks) and of either framing', async () => {
    const { createHash } = await import('node:crypto');
    const plainFile = join(dir, 'plain-hash.tar');
    writeFileSync(plainFile, await plainTar());
    const sources = [plainFile, (await framed('zstd', 'hash.zstd')).file, (await framed('gzip', 'hash.gzip')).file];
    for (const file of sources) {
      for (let round = 0; round < 3; round++) {
        const index = await indexTar(file, { hash: true });
        for (const [name, data] of Object.entries(files)) expect(index.files.get(name)!.sha256, `${file} ${name}`).toBe(`sha256:${createHash('sha256').update(data).digest('hex')}`);
      }
    }
  });
});

describe('frame table', () => {
  it('round-trips through the trailer of either compression', async () => {
    const frames = [{ c: 10, u: 512 }, { c: 4000, u: frameLimit }, { c: 20, u: 1024 }];
    for (const compression of ['zstd', 'gzip'] as const) {
      const trailer = encodeTrailer(compression, frames);
      const fileData = Buffer.concat([Buffer.alloc(4030), trailer]);
      const table = await decodeTrailer('f', compression, fileData.length, (o, l) => Promise.resolve(fileData.subarray(o, o + l)));
      expect(table.frames.map(({ c, u }) => ({ c, u }))).toEqual(frames);
      expect(table.size).toBe(512 + frameLimit + 1024);
      expect(frameAt(table, 0)).toBe(0);
      expect(frameAt(table, 512)).toBe(1);
      expect(frameAt(table, 512 + frameLimit + 1)).toBe(2);
    }
  });
});

describe.each(['zstd', 'gzip'] as const)('a %s-framed tar', (compression) => {
  it('indexes like the plain tar, reads every file back, and holds frames of at most 4 MiB', async () => {
    const { file, tar } = await framed(compression, `ok.${compression}`);
    const index = await indexTar(file);
    expect(index.compression).toBe(compression);
    for (const [name, data] of Object.entries(files)) expect((await readEntry(index, index.files.get(name)!, 16 << 20)).equals(data)).toBe(true);
    expect(index.framed!.table.size).toBe(tar.length);
    expect(Math.max(...index.framed!.table.frames.map((f) => f.u))).toBeLessThanOrEqual(frameLimit);
    expect((await readRange(index.framed!, 123_456, 5_000_000)).equals(tar.subarray(123_456, 5_123_456))).toBe(true);
  });

  it('a truncated file: exit-2 error saying truncated', async () => {
    const { file } = await framed(compression, `cut.${compression}`);
    truncateSync(file, Math.floor(readFileSync(file).length * 0.6));
    const error = await indexTar(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/is truncated or is not a shipline bundle/);
  });

  it('a changed byte inside a compressed frame: indexing, which decodes every frame, fails or the read differs', async () => {
    const { file } = await framed(compression, `flip.${compression}`);
    const index = await indexTar(file);
    const big = index.files.get('big.bin')!;
    const frame = index.framed!.table.frames.find((f) => f.uOffset === big.offset)!;
    const bytes = readFileSync(file);
    bytes[frame.cOffset + Math.floor(frame.c / 2)]! ^= 0xff;
    writeFileSync(file, bytes);
    const back = await indexTar(file).then((i) => readEntry(i, big, 16 << 20)).catch((e: unknown) => e);
    if (back instanceof Buffer) expect(back.equals(files['big.bin'])).toBe(false);
    else expect((back as Error).message).toMatch(/stream is corrupted/);
  });
});

it('a .tar.zst made by another tool (no frame table) is named as such', async () => {
  const { compressFrame } = await import('../../pipelines/bundle/frame-codec.js');
  const file = join(dir, 'foreign.tar.zst');
  writeFileSync(file, await compressFrame('zstd', await plainTar()));
  const fd = openSync(file, 'r');
  const error = await openFramed(file, fd, readFileSync(file).length).catch((e: unknown) => e);
  closeSync(fd);
  expect((error as Error).message).toContain('has no frame table at its end');
  expect((error as InputError).hint).toContain('must be decompressed first');
});

// Before the tests below that initialise zstd-wasm a second time (which confuses its heap).
describe('a frame is accepted only as the format allows (as `zstd -t` and gzip do)', () => {
  const where = 'f';
  const reason = (p: Promise<unknown>) => p.then(() => 'accepted', (e: Error) => e.message);

  it('zstd: checksum checked when flagged; no dictionary, reserved bit, other content size, oversized block or trailing byte', async () => {
    const { decompressFrame } = await import('../../pipelines/bundle/frame-codec.js');
    const { encodeStoredFrame } = await import('../../pipelines/bundle/zstd-stored.js');
    const data = randomBytes(300_000);
    // The zstd program writes a content checksum by default; its incompressible blocks are raw.
    const file = join(dir, 'checked.bin');
    writeFileSync(file, data);
    await run(['zstd', '-q', '-f', file, '-o', `${file}.zst`]);
    const checked = readFileSync(`${file}.zst`);
    expect(Buffer.concat(await decompressFrame('zstd', checked, data.length, where)).equals(data)).toBe(true);
    const flipped = Buffer.from(checked);
    flipped[checked.length - 1000]! ^= 1;
    expect(await reason(decompressFrame('zstd', flipped, data.length, where))).toMatch(/libzstd could not decompress a frame: checksum wrong/);
    const stored = encodeStoredFrame(data);
    const withDictionary = Buffer.from(stored);
    withDictionary[4]! |= 1;
    expect(await reason(decompressFrame('zstd', withDictionary, data.length, where))).toMatch(/needs a dictionary/);
    const reserved = Buffer.from(stored);
    reserved[4]! |= 8;
    expect(await reason(decompressFrame('zstd', reserved, data.length, where))).toMatch(/reserved bit/);
    expect(await reason(decompressFrame('zstd', stored, data.length - 1, where))).toMatch(/declares 300000 bytes of content, its table says 299999/);
    expect(await reason(decompressFrame('zstd', Buffer.concat([stored, Buffer.alloc(1)]), data.length, where))).toMatch(/1 bytes follow a frame inside its table entry/);
    const big = Buffer.from(stored);
    // First block header: raw, 128 KiB + 1 (the frame then ends early: the size is what is refused).
    big.writeUIntLE(((128 << 10) + 1) << 3, 9, 3);
    expect(await reason(decompressFrame('zstd', big, data.length, where))).toMatch(/a block of 131073 bytes is over the 128 KiB limit/);
  });

  it('gzip: one frame that would inflate past its table size stops there', async () => {
    const { decompressFrame } = await import('../../pipelines/bundle/frame-codec.js');
    const { gzipSync } = await import('node:zlib');
    const bomb = gzipSync(Buffer.alloc(256 << 20), { level: 9 });
    const started = performance.now();
    expect(await reason(decompressFrame('gzip', bomb, 4096, where))).toMatch(/a frame gives more than the 4096 bytes its table says/);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('zstd frames of stored blocks', () => {
  it('are copied out without the decoder, exactly as libzstd decodes them; compressed ones are left to it', async () => {
    const { compressFrame } = await import('../../pipelines/bundle/frame-codec.js');
    const { decodeStoredFrame } = await import('../../pipelines/bundle/zstd-stored.js');
    const random = randomBytes(frameLimit);
    const stored = await compressFrame('zstd', random);
    expect(Buffer.concat(decodeStoredFrame(stored, random.length)!).equals(random)).toBe(true);
    expect(decodeStoredFrame(stored, random.length - 1)).toBeUndefined();
    expect(decodeStoredFrame(stored.subarray(0, stored.length - 10), random.length)).toBeUndefined();
    const text = Buffer.from('compressible '.repeat(100_000));
    expect(decodeStoredFrame(await compressFrame('zstd', text), text.length)).toBeUndefined();
  });

  it('are written for small frames (tar headers, small manifests) even when they compress', async () => {
    const { compressFrame } = await import('../../pipelines/bundle/frame-codec.js');
    const { decodeStoredFrame } = await import('../../pipelines/bundle/zstd-stored.js');
    const header = Buffer.from('{"schemaVersion":2}'.repeat(200)); // 3.8 KB of JSON
    expect(Buffer.concat(decodeStoredFrame(await compressFrame('zstd', header), header.length)!).equals(header)).toBe(true);
    const larger = Buffer.concat([header, header]);
    expect(decodeStoredFrame(await compressFrame('zstd', larger), larger.length)).toBeUndefined();
  });

  it('are written for a frame that compression would barely shrink, and libzstd and the zstd program read them', async () => {
    const { compressFrame, decompressFrame } = await import('../../pipelines/bundle/frame-codec.js');
    const { decodeStoredFrame } = await import('../../pipelines/bundle/zstd-stored.js');
    // A layer's last frame: incompressible data, then tar padding that libzstd would compress.
    const tail = Buffer.concat([randomBytes(3 * (128 << 10) + 1000), Buffer.alloc(511)]);
    const frame = await compressFrame('zstd', tail);
    expect(frame.length).toBe(9 + 4 * 3 + tail.length);
    expect(Buffer.concat(decodeStoredFrame(frame, tail.length)!).equals(tail)).toBe(true);
    const file = join(dir, 'stored.zst');
    writeFileSync(file, frame);
    await run(['zstd', '-q', '-d', file, '-o', `${file}.out`]);
    expect(readFileSync(`${file}.out`).equals(tail)).toBe(true);
    const { decompress, init } = await import('@bokuweb/zstd-wasm');
    await init();
    expect(Buffer.from(decompress(frame)).equals(tail)).toBe(true);
    expect(Buffer.concat(await decompressFrame('zstd', frame, tail.length, 'test')).equals(tail)).toBe(true);
  });
});
