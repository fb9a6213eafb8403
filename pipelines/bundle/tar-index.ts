// Random access to the files of a tar, uncompressed or a compressed bundle (through its
// frame table), after one pass front to back (tar-scan.ts) that decodes every frame, reads
// every header, and checks that every byte is accounted for; then any entry can be read,
// or streamed, by offset, several at a time.
import { closeSync, createReadStream, fstatSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { InputError } from '../errors.js';
import { frameBatches, openFramed, readAtSync, readRange, streamRange, type FramedFile } from './framed-file.js';
import type { Compression } from './frames.js';
import { framedSource, plainSource } from './sequential-source.js';
import { scanTar, type ScannedEntry } from './tar-scan.js';
import { assertConsistentEntries, normalizeEntryName } from './tar-safety.js';

export type TarEntry = ScannedEntry;

export interface TarIndex {
  file: string;
  entries: TarEntry[];
  /** Regular files by normalized name. */
  files: Map<string, TarEntry>;
  /** Set for a compressed bundle: offsets are then in the uncompressed tar. */
  compression?: Compression;
  framed?: FramedFile;
  /** Every regular file's sha256 was taken in the pass (TarEntry.sha256). */
  hashed: boolean;
  /** Bytes on disk. */
  fileSize: number;
}

export interface IndexOptions {
  /** Hash every regular file in the same pass (verify, and import with --key). */
  hash?: boolean;
}

const pathHint = 'check the path: pass the bundle file (e.g. release.bundle.tar.zst)';

/** Opens `file` for reading, or says in one line why it cannot be read. */
export function openReadable(file: string): number {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder, not a file' : (code ?? (error as Error).message);
    throw new InputError(`cannot read ${file}: ${why}`, { hint: pathHint });
  }
  const stat = fstatSync(fd);
  if (!stat.isFile()) {
    closeSync(fd);
    throw new InputError(`cannot read ${file}: it is ${stat.isDirectory() ? 'a folder' : 'not a regular file'}`, { hint: pathHint });
  }
  return fd;
}

/**
 * Indexes a tar file in one pass and rejects it, before anything else reads it, unless
 * every entry is safe, named once, and every byte accounted for.
 */
export async function indexTar(file: string, options: IndexOptions = {}): Promise<TarIndex> {
  const fd = openReadable(file);
  let framed: FramedFile | undefined;
  let onDisk: number;
  try {
    onDisk = fstatSync(fd).size;
    framed = await openFramed(file, fd, onDisk);
  } finally {
    closeSync(fd);
  }
  const fh = await open(file, 'r');
  const source = framed ? await framedSource(framed, fh) : await plainSource(file, onDisk, fh);
  let entries: TarEntry[];
  try {
    entries = await scanTar(file, source, { hash: options.hash ?? false });
  } finally {
    await source.close();
  }
  assertConsistentEntries(file, entries);
  const files = new Map<string, TarEntry>();
  for (const entry of entries) if (entry.type === 'file') files.set(normalizeEntryName(entry.name), entry);
  return { file, entries, files, hashed: options.hash ?? false, fileSize: onDisk, ...(framed ? { compression: framed.compression, framed } : {}) };
}

/** The data of one entry as a stream (256 KiB reads: larger ones grow the RSS, not the speed). */
export function openEntry(index: TarIndex, entry: TarEntry): Readable {
  if (entry.size === 0) return Readable.from([]);
  if (index.framed) return streamRange(index.framed, entry.offset, entry.size);
  return createReadStream(index.file, { start: entry.offset, end: entry.offset + entry.size - 1, highWaterMark: 256 * 1024 });
}

/**
 * The data of one entry batch by batch, for an upload: a compressed bundle's frame by
 * frame (each read when the upload asks for it), a plain tar's chunk by chunk.
 */
export function entryBatches(index: TarIndex, entry: TarEntry): { batches: () => AsyncIterable<Buffer[]> } {
  const framed = index.framed;
  if (framed && entry.size > 0) return { batches: () => frameBatches(framed, entry.offset, entry.size, false) };
  return {
    async *batches() {
      for await (const chunk of openEntry(index, entry)) yield [chunk as Buffer];
    },
  };
}

/** Most bytes readEntry reads into memory: a manifest's limit in the distribution spec. */
export const smallEntryLimit = 4 << 20;

/**
 * The whole data of a small entry (manifests, index.json): the bytes the pass kept (and
 * hashed) when it kept them, else read again, refused over `limit`.
 */
export async function readEntry(index: TarIndex, entry: TarEntry, limit = smallEntryLimit): Promise<Buffer> {
  if (entry.data) return entry.data;
  if (entry.size > limit) throw new InputError(`${index.file}: ${entry.name} is ${entry.size} bytes, more than the ${limit} it may have here`, { hint: 'the archive was not made by shipline or buildx; recreate it' });
  if (index.framed) return readRange(index.framed, entry.offset, entry.size);
  const fd = openSync(index.file, 'r');
  try {
    return readAtSync(fd, entry.offset, entry.size);
  } finally {
    closeSync(fd);
  }
}
