// Checks a bundle's (or OCI layout tarball's) files against their checksums, and turns any
// mismatch of a bundle checked with --key into an untrusted-bundle error.
import { createHash, type KeyObject } from 'node:crypto';
import { released } from '../buffer-pool.js';
import { InputError } from '../errors.js';
import type { OpenedArchive } from './open.js';
import { openEntry, type TarEntry, type TarIndex } from './tar-index.js';

async function hashEntry(index: TarIndex, entry: TarEntry): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of openEntry(index, entry)) {
    hash.update(chunk as Buffer);
    // Hashed: the frame buffer it is a view of can be read into again (buffer-pool.ts).
    released(chunk as Buffer);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Expected sha256 of every file: bundle.json's list, or each blob's own name. */
function expectedSums(archive: OpenedArchive): Map<string, string> {
  if (archive.bundle) return new Map(Object.entries(archive.bundle.files).map(([p, f]) => [p, f.sha256]));
  const sums = new Map<string, string>();
  for (const name of archive.index.files.keys()) {
    const hex = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name)?.[1];
    if (hex) sums.set(name, `sha256:${hex}`);
  }
  return sums;
}

/**
 * With --key, a bundle whose content does not match what was signed is untrusted (exit 3),
 * whatever the mismatch: the signature, the file list, or one byte of a blob.
 */
export async function untrustedUnlessMatching<T>(key: KeyObject | undefined, file: string, work: () => Promise<T>): Promise<T> {
  if (!key) return work();
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    const { SignatureError } = await import('./signing.js');
    throw new SignatureError(`${error.message}\n  so ${file} is not what its signer signed; nothing was imported`, { hint: error.hint, cause: error });
  }
}

/** Compares every file the archive lists with its checksum (hashing it unless the pass did). */
export async function checkEveryFile(archive: OpenedArchive): Promise<{ filesChecked: number; bytesChecked: number }> {
  const file = archive.index.file;
  let bytesChecked = 0;
  const sums = expectedSums(archive);
  for (const [path, expected] of sums) {
    const entry = archive.index.files.get(path)!;
    // An index made with hashing took every sum in its one pass (the bytes it parsed).
    const actual = entry.sha256 ?? (await hashEntry(archive.index, entry));
    if (actual !== expected) {
      const what = path.includes('/blobs/') || path.startsWith('blobs/') ? `blob ${expected} (${path})` : path;
      throw new InputError(`${file}: ${what} does not match its digest: its content hashes to ${actual}`, {
        hint: 'the file is corrupted; recreate it or copy it again',
      });
    }
    bytesChecked += entry.size;
  }
  return { filesChecked: sums.size, bytesChecked };
}
