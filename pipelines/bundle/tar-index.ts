// Random access to the files of a tar, uncompressed or a compressed bundle (through its
// frame table): one pass over the headers (seeking past the data), then any entry can be
// read, or streamed, by offset, several at a time.
import { closeSync, createReadStream, fstatSync, openSync } from 'node:fs';
import { Readable } from 'node:stream';
import { InputError } from '../errors.js';
import { openFramed, readAtSync, readRange, streamRange, type FramedFile } from './framed-file.js';
import type { Compression } from './frames.js';
import { block, entryType, isZeroBlock, padded, parseHeader, parsePax, type TarEntryType } from './tar-header.js';
import { assertSafeEntries, normalizeEntryName } from './tar-safety.js';

export interface TarEntry {
  name: string;
  type: TarEntryType;
  linkname?: string;
  size: number;
  /** Byte offset of the entry's data in the tar file. */
  offset: number;
}

export interface TarIndex {
  file: string;
  entries: TarEntry[];
  /** Regular files by normalized name. */
  files: Map<string, TarEntry>;
  /** Set for a compressed bundle: offsets are then in the uncompressed tar. */
  compression?: Compression;
  framed?: FramedFile;
}

const truncatedHint = 'the file was cut short (an interrupted copy or download?); copy it again and compare its sha256';

/**
 * Indexes a tar file and rejects unsafe entries before anything else reads it. Headers are
 * read synchronously (see framed-file.ts): one pass makes a read per entry.
 */
export async function indexTar(file: string): Promise<TarIndex> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      hint: 'check the path',
    });
  }
  try {
    const onDisk = fstatSync(fd).size;
    const framed = await openFramed(file, fd, onDisk);
    const fileSize = framed ? framed.table.size : onDisk;
    const readAt = async (offset: number, length: number) => (framed ? readRange(framed, offset, length, fd) : readAtSync(fd, offset, length));
    const entries: TarEntry[] = [];
    let pos = 0;
    let pax: Record<string, string> = {};
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      const head = await readAt(pos, block);
      if (head.length < block) {
        if (pos === 0) throw new InputError(`${file} is not a tar archive (it is ${fileSize} bytes)`, { hint: 'pass a bundle or an OCI layout tarball' });
        throw new InputError(`${file} is truncated: it ends at byte ${fileSize} without the end-of-archive marker`, { hint: truncatedHint });
      }
      if (isZeroBlock(head)) break;
      const header = parseHeader(head);
      if (!header) {
        if (pos === 0 && head[0] === 0x1f && head[1] === 0x8b) {
          throw new InputError(`${file} is gzip-compressed`, { hint: `decompress it first: gunzip -k ${file}` });
        }
        throw new InputError(`${file}: no valid tar header at byte ${pos} (corrupted or not a tar archive)`, { hint: truncatedHint });
      }
      const size = pax.size !== undefined ? Number(pax.size) : header.size;
      const offset = pos + block;
      if (offset + size > fileSize) {
        throw new InputError(`${file} is truncated: entry "${header.name}" needs ${size} bytes at byte ${offset}, but the file ends at ${fileSize}`, { hint: truncatedHint });
      }
      pos = offset + padded(size);
      if (header.typeflag === 'x' || header.typeflag === 'g' || header.typeflag === 'L' || header.typeflag === 'K') {
        const data = await readAt(offset, size);
        if (header.typeflag === 'x') pax = parsePax(data);
        if (header.typeflag === 'L') longName = data.toString('utf8').replace(/\0+$/, '');
        if (header.typeflag === 'K') longLink = data.toString('utf8').replace(/\0+$/, '');
        continue;
      }
      entries.push({
        name: pax.path ?? longName ?? header.name,
        type: entryType(header.typeflag),
        linkname: pax.linkpath ?? longLink ?? (header.linkname || undefined),
        size,
        offset,
      });
      pax = {};
      longName = longLink = undefined;
    }
    assertSafeEntries(file, entries);
    const files = new Map<string, TarEntry>();
    for (const entry of entries) if (entry.type === 'file') files.set(normalizeEntryName(entry.name), entry);
    return { file, entries, files, ...(framed ? { compression: framed.compression, framed } : {}) };
  } finally {
    closeSync(fd);
  }
}

/** The data of one entry as a stream (256 KiB reads: larger ones grow the RSS, not the speed). */
export function openEntry(index: TarIndex, entry: TarEntry): Readable {
  if (entry.size === 0) return Readable.from([]);
  if (index.framed) return streamRange(index.framed, entry.offset, entry.size);
  return createReadStream(index.file, { start: entry.offset, end: entry.offset + entry.size - 1, highWaterMark: 256 * 1024 });
}

/** The whole data of a small entry (manifests, configs, bundle.json). */
export async function readEntry(index: TarIndex, entry: TarEntry): Promise<Buffer> {
  if (index.framed) return readRange(index.framed, entry.offset, entry.size);
  const fd = openSync(index.file, 'r');
  try {
    return readAtSync(fd, entry.offset, entry.size);
  } finally {
    closeSync(fd);
  }
}
