// Large files hashed aside, side by side (this thread and a worker): the same sums as one
// hash over the data, and the same first error as the pass that reads everything in order.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { tarBytes } from '../bundle-fixtures/hostile.js';
import { FrameWriter } from '../../pipelines/bundle/frame-writer.js';
import { openFramed } from '../../pipelines/bundle/framed-file.js';
import type { Compression } from '../../pipelines/bundle/frames.js';
import { HashLanes } from '../../pipelines/bundle/hash-lanes.js';
import { framedSource } from '../../pipelines/bundle/sequential-source.js';
import { indexTar } from '../../pipelines/bundle/tar-index.js';
import { scanTar } from '../../pipelines/bundle/tar-scan.js';

const dir = mkdtempSync(join(tmpdir(), 'shipline-lanes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sum = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Files over the 1 MiB hashed-aside size, of sizes that end inside and on a frame, with small ones between. */
const files: [string, Buffer][] = [
  ['a.bin', randomBytes((4 << 20) + 1000)],
  ['small-1.txt', Buffer.from('between\n')],
  ['b.bin', randomBytes(3 << 20)],
  ['c.bin', randomBytes((2 << 20) + 7)],
  ['small-2.txt', Buffer.from('after\n')],
  ['d.bin', randomBytes((1 << 20) + 511)],
];

/** The files as one tar archive (the bundle fixtures' writer). */
const plainTar = (): Promise<Buffer> => tarBytes(files.map(([name, data]) => ({ header: { name, size: data.length }, data })));

async function framed(compression: Compression, name: string, tar: Buffer): Promise<string> {
  const file = join(dir, name);
  await pipeline(Readable.from([tar]), new FrameWriter(compression), createWriteStream(file));
  return file;
}

/** The pass over `file`, hashing aside from `hashAsideFrom` bytes (Infinity: everything in order). */
async function scan(file: string, hashAsideFrom: number) {
  const fh = await open(file, 'r');
  const framedFile = (await openFramed(file, fh.fd, (await fh.stat()).size))!;
  const source = await framedSource(framedFile, fh);
  try {
    return await scanTar(file, source, { hash: true, hashAsideFrom });
  } finally {
    await source.close();
  }
}

async function tableOf(file: string) {
  const fh = await open(file, 'r');
  try {
    return await openFramed(file, fh.fd, (await fh.stat()).size);
  } finally {
    await fh.close();
  }
}

/** Breaks a frame: zstd in its header (content size), gzip in its data (its CRC then differs). */
function breakFrame(file: string, compression: Compression, frame: { cOffset: number; c: number }): void {
  const bytes = readFileSync(file);
  bytes[frame.cOffset + (compression === 'zstd' ? 6 : Math.floor(frame.c / 2))]! ^= 0x55;
  writeFileSync(file, bytes);
}

const outcome = (p: Promise<unknown>) => p.then(() => 'accepted', (e: Error) => e.message);

describe('hash lanes', () => {
  it('this thread and the worker give the sum of the data, across several files at once', async () => {
    const lanes = new HashLanes();
    try {
      const [here, worker] = await Promise.all([lanes.acquire(), lanes.acquire()]);
      expect(here).not.toBe(worker);
      const data = randomBytes(3 << 20);
      for (const lane of [here!, worker!]) {
        for (const id of [1, 2]) await lane.update(id, [data.subarray(0, 1000)], { parts: [], size: 0 });
        for (const id of [1, 2]) await lane.update(id, [data.subarray(1000)], { parts: [], size: 0 });
        expect(await lane.digest(1)).toBe(sum(data));
        expect(await lane.digest(2)).toBe(sum(data));
      }
    } finally {
      await lanes.close();
    }
  });
});

describe.each(['zstd', 'gzip'] as const)('the one pass over a %s bundle, hashing aside', (compression) => {
  it('gives every file its exact sum, round after round', async () => {
    const file = await framed(compression, `ok.${compression}`, await plainTar());
    for (let round = 0; round < 3; round++) {
      const index = await indexTar(file, { hash: true });
      for (const [name, data] of files) expect(index.files.get(name)!.sha256, name).toBe(sum(data));
    }
    const inOrder = await scan(file, Infinity);
    expect((await scan(file, 1)).map((e) => e.sha256)).toEqual(inOrder.map((e) => e.sha256));
  });

  it('reports the first damage in the file, as the pass in order does: padding of an early file before a later broken frame', async () => {
    const tar = await plainTar();
    // Non-zero padding after a.bin's data (its size is not a multiple of 512).
    const aEnd = 512 + files[0]![1].length;
    tar[aEnd + 3] = 7;
    const file = await framed(compression, `padding.${compression}`, tar);
    // And a broken frame further on, in d.bin's data.
    const index = await tableOf(file);
    const dOffset = tar.length - 1024 - 512 * Math.ceil(files[5]![1].length / 512);
    breakFrame(file, compression, index!.table.frames.find((f) => f.uOffset === dOffset)!);
    const inOrder = await outcome(scan(file, Infinity));
    expect(inOrder).toMatch(/"a\.bin" is rejected.*padding after its data is not zeros/);
    expect(await outcome(scan(file, 1))).toBe(inOrder);
    expect(await outcome(indexTar(file, { hash: true }))).toBe(inOrder);
  });

  it('a broken frame inside a file hashed aside fails with the message of the pass in order', async () => {
    const tar = await plainTar();
    const file = await framed(compression, `frame.${compression}`, tar);
    const table = (await tableOf(file))!.table;
    breakFrame(file, compression, table.frames.find((f) => f.uOffset === 512 * 3 + 512 * Math.ceil(files[0]![1].length / 512))!); // b.bin's first
    const inOrder = await outcome(scan(file, Infinity));
    expect(inOrder).toMatch(/stream is corrupted/);
    expect(await outcome(scan(file, 1))).toBe(inOrder);
  });
});
