// Pure checks that tar entries stay inside the archive: no absolute paths, no `..`,
// no links pointing outside, no device files.
import { posix } from 'node:path';
import { InputError } from '../errors.js';
import type { TarEntryType } from './tar-header.js';

export interface EntryShape {
  name: string;
  type: TarEntryType;
  linkname?: string;
}

/** "./a/b/" → "a/b". */
export function normalizeEntryName(name: string): string {
  return name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

function escapes(path: string): boolean {
  if (path.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(path) || path.includes('\\')) return true;
  return path.split('/').some((segment) => segment === '..');
}

/** Why an entry is unsafe, or undefined if it is fine. */
export function unsafeReason(entry: EntryShape): string | undefined {
  if (entry.name.includes('\0')) return 'its name holds a NUL byte';
  if (escapes(entry.name)) return entry.name.startsWith('/') ? 'its path is absolute' : 'its path contains `..`';
  if (entry.type === 'other') return 'it is a device, FIFO or other special file';
  if (entry.type === 'symlink' || entry.type === 'hardlink') {
    const target = entry.linkname ?? '';
    if (target.startsWith('/')) return `it links to the absolute path ${target}`;
    // Symlinks resolve from the entry's folder, hard links from the archive root.
    const base = entry.type === 'symlink' ? posix.dirname(normalizeEntryName(entry.name)) : '.';
    const resolved = posix.normalize(posix.join(base, target));
    if (resolved === '..' || resolved.startsWith('../')) return `it links to ${target}, outside the archive`;
  }
  return undefined;
}

export function assertSafeEntries(file: string, entries: Iterable<EntryShape>): void {
  for (const entry of entries) {
    const reason = unsafeReason(entry);
    if (reason) {
      throw new InputError(`${file}: tar entry "${entry.name}" is rejected: ${reason}`, {
        hint: 'bundles and OCI layouts hold only regular files inside the archive; recreate it with `shipline bundle create` or `docker buildx build --output type=oci`',
      });
    }
  }
}
