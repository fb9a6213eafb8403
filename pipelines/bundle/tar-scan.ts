// The one pass over a tar (the uncompressed stream of a bundle): every header is read from
// the bytes as they come, each file's data is hashed (when asked) and small files are kept,
// and every byte must be accounted for: headers tar reads the same way, zero padding, and
// nothing but zeros after the end-of-archive marker.
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';
import { HashLanes } from './hash-lanes.js';
import { AsideJobs } from './aside-jobs.js';
import type { SequentialSource } from './sequential-source.js';
import { block, entryType, isZeroBlock, padded, parseHeader, parsePax, type TarEntryType } from './tar-header.js';
import { rejectEntry, unsafeReason } from './tar-safety.js';

export interface ScannedEntry {
  name: string;
  type: TarEntryType;
  linkname?: string;
  size: number;
  mode: number;
  /** Byte offset of the entry's data in the (uncompressed) tar. */
  offset: number;
  /** sha256:… of the data, when the scan hashed. */
  sha256?: string;
  /** The data, for small files the scan kept (the very bytes hashed). */
  data?: Buffer;
}

export interface ScanOptions {
  hash: boolean;
  /**
   * Files of at least this many bytes (not kept) are hashed aside, side by side on every
   * core (hash-lanes.ts), while the pass reads on; default `hashAsideFrom`.
   */
  hashAsideFrom?: number;
}

/** Smaller files cost less to hash here than to hand over. */
export const hashAsideFrom = 1 << 20;

/** Files kept whatever their size up to a limit, by name; over it the archive is refused. */
const namedLimits: [RegExp, number, string][] = [
  [/^bundle\.json\.sig$/, 16 << 10, 'a signature'],
  [/^bundle\.json$/, 16 << 20, 'bundle.json'],
  [/^manifests\//, 8 << 20, 'a manifest file'],
  [/^(oci\/)?(index\.json|oci-layout)$/, 4 << 20, 'an OCI layout index'],
];
/** Other files up to this size are kept (image manifests, configs), up to keptBudget in all. */
const keptSmall = 64 << 10;
const keptBudget = 32 << 20;
/** pax and GNU long-name records: a path, not a payload. */
const metaLimit = 64 << 10;
/** Entries in one archive (a bundle of many images holds a few thousand). */
export const entryLimit = 100_000;

const truncatedHint = 'the file was cut short (an interrupted copy or download?); copy it again and compare its sha256';

function allZero(parts: Buffer[]): boolean {
  for (const p of parts) for (let i = 0; i < p.length; i++) if (p[i] !== 0) return false;
  return true;
}

export async function scanTar(file: string, source: SequentialSource, options: ScanOptions): Promise<ScannedEntry[]> {
  const lanes = new HashLanes();
  const jobs = new AsideJobs(lanes);
  try {
    const entries = await scanEntries(file, source, options, jobs);
    await jobs.settle();
    return entries;
  } catch (error) {
    // A file hashed aside lies before the point the pass has reached: its error comes first.
    await jobs.settle();
    throw error;
  } finally {
    await lanes.close();
  }
}

async function scanEntries(file: string, source: SequentialSource, options: ScanOptions, jobs: AsideJobs): Promise<ScannedEntry[]> {
  const entries: ScannedEntry[] = [];
  let kept = 0;
  let pax: Record<string, string> | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;
  const take = async (n: number) => {
    const parts = await source.take(n);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  };
  const asideFrom = options.hashAsideFrom ?? hashAsideFrom;
  for (;;) {
    if (jobs.failed) throw new Error('a file hashed aside failed'); // settle() throws its error instead
    const pos = source.position;
    const head = await take(block);
    if (head.length < block) {
      if (pos === 0) throw new InputError(`${file} is not a tar archive (it is ${source.size} bytes)`, { hint: 'pass a bundle or an OCI layout tarball' });
      throw new InputError(`${file} is truncated: it ends at byte ${source.size} without the end-of-archive marker`, { hint: truncatedHint });
    }
    if (isZeroBlock(head)) {
      if (pax || longName !== undefined || longLink !== undefined) throw rejectEntry(file, `(at byte ${pos})`, 'an extended header is followed by the end of the archive');
      // tar stops at the marker; whatever follows must be zeros, or some reader might find it.
      const rest = source.size - source.position;
      if (rest < block) throw new InputError(`${file} is truncated: its end-of-archive marker at byte ${pos} is one block, not two`, { hint: truncatedHint });
      for (let left = rest; left > 0; ) {
        const n = Math.min(left, 4 << 20);
        if (!allZero(await source.take(n))) throw new InputError(`${file}: bytes other than zeros follow the end-of-archive marker at byte ${pos}`, { hint: 'the bundle was changed after it was made; get it again from its source' });
        left -= n;
      }
      break;
    }
    const header = parseHeader(head);
    if (!header) {
      if (pos === 0 && head[0] === 0x1f && head[1] === 0x8b) throw new InputError(`${file} is gzip-compressed`, { hint: `decompress it first: gunzip -k ${file}` });
      throw new InputError(`${file}: no valid tar header at byte ${pos} (corrupted or not a tar archive)`, { hint: truncatedHint });
    }
    const where = `"${header.name}" (at byte ${pos})`;
    if (!header.utf8) throw rejectEntry(file, where, 'its name is not valid UTF-8');
    const size = pax?.size !== undefined ? Number(pax.size) : header.size;
    const offset = pos + block;
    if (offset + size > source.size) {
      throw new InputError(`${file} is truncated: entry "${header.name}" needs ${size} bytes at byte ${offset}, but the file ends at ${source.size}`, { hint: truncatedHint });
    }
    const flag = header.typeflag;
    if (flag === 'g') throw rejectEntry(file, where, 'it is a global pax header, which bundles do not use');
    if (flag === 'x' || flag === 'L' || flag === 'K') {
      if (size > metaLimit) throw rejectEntry(file, where, `its extended header is ${size} bytes, more than ${metaLimit}`);
      const data = await take(size);
      await checkPadding(file, where, source, size);
      if (flag === 'x') {
        if (pax) throw rejectEntry(file, where, 'two pax headers in a row');
        const parsed = parsePax(data);
        if (typeof parsed === 'string') throw rejectEntry(file, where, parsed);
        pax = parsed;
      } else {
        const value = data.subarray(0, data.indexOf(0) === -1 ? data.length : data.indexOf(0));
        if (flag === 'L') longName = value.toString('utf8');
        else longLink = value.toString('utf8');
      }
      continue;
    }
    if ((pax?.path !== undefined && longName !== undefined) || (pax?.linkpath !== undefined && longLink !== undefined)) {
      throw rejectEntry(file, where, 'both a pax and a GNU long name give its name');
    }
    const entry: ScannedEntry = {
      name: pax?.path ?? longName ?? header.name,
      type: entryType(flag),
      size,
      mode: header.mode,
      offset,
    };
    const linkname = pax?.linkpath ?? longLink ?? (header.linkname || undefined);
    if (linkname !== undefined) entry.linkname = linkname;
    pax = undefined;
    longName = longLink = undefined;
    const label = `"${entry.name}"`;
    const unsafe = unsafeReason(entry);
    if (unsafe) throw rejectEntry(file, label, unsafe);
    if (entry.name === '') throw rejectEntry(file, where, 'its name is empty');
    if (entry.type !== 'file' && size !== 0) throw rejectEntry(file, label, `it is a ${entry.type} with ${size} bytes of data`);
    if (entry.type === 'file' && entry.name.endsWith('/')) throw rejectEntry(file, label, 'it is a regular file whose name ends in "/" (some tars make it a folder)');
    if (entries.length === entryLimit) throw new InputError(`${file} holds more than ${entryLimit} entries`, { hint: 'a bundle holds a few per image layer; this is not one shipline made' });
    if (entry.type === 'file') {
      const normal = entry.name.replace(/^(\.\/)+/, '');
      const named = namedLimits.find(([pattern]) => pattern.test(normal));
      if (named && size > named[1]) throw rejectEntry(file, label, `it is ${size} bytes, more than the ${named[1]} ${named[2]} may have`);
      const keep = named !== undefined || (size <= keptSmall && kept + size <= keptBudget);
      if (!named && keep) kept += size;
      const badPadding = () => rejectEntry(file, label, 'the padding after its data is not zeros');
      if (options.hash && !keep && size >= asideFrom && (await jobs.start((n) => source.detach(n), padded(size), entry, badPadding))) {
        entries.push(entry);
        continue;
      }
      // Data nobody looks at here (an import without --key): each frame is checked, its content not copied out.
      const skimmed = !options.hash && !keep && size >= asideFrom ? await source.skim(padded(size), padded(size) - size) : false;
      if (skimmed === 'not zeros') throw badPadding();
      if (skimmed) {
        entries.push(entry);
        continue;
      }
      const hash = options.hash ? createHash('sha256') : undefined;
      const chunks: Buffer[] = [];
      for (let left = size; left > 0; ) {
        const parts = await source.take(Math.min(left, 4 << 20), keep || hash !== undefined);
        for (const p of parts) {
          hash?.update(p);
          if (keep) chunks.push(Buffer.from(p));
        }
        left -= Math.min(left, 4 << 20);
      }
      if (hash) entry.sha256 = `sha256:${hash.digest('hex')}`;
      if (keep) entry.data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    }
    await checkPadding(file, label, source, size);
    entries.push(entry);
  }
  return entries;
}

/** The bytes between an entry's data and the next header: zeros, as every tar writes them. */
async function checkPadding(file: string, label: string, source: SequentialSource, size: number): Promise<void> {
  const n = padded(size) - size;
  if (n > 0 && !allZero(await source.take(n))) throw rejectEntry(file, label, 'the padding after its data is not zeros');
}
