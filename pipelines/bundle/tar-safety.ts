// Pure checks that tar entries stay inside the archive and mean one thing to every tar:
// no absolute paths, no `..`, no devices, no name given twice, no link (or chain of links)
// pointing outside; and a bundle holds regular files and folders only.
import { posix } from 'node:path';
import { InputError } from '../errors.js';
import type { TarEntryType } from './tar-header.js';

export interface EntryShape {
  name: string;
  type: TarEntryType;
  linkname?: string;
}

const hint = 'bundles and OCI layouts hold only regular files inside the archive, each once; recreate it with `shipline bundle create` or `docker buildx build --output type=oci`';

/** The error for an entry that breaks a rule, naming it and the rule. */
export function rejectEntry(file: string, entry: string, reason: string): InputError {
  return new InputError(`${file}: tar entry ${entry} is rejected: ${reason}`, { hint });
}

/** "./a/b/" → "a/b". */
export function normalizeEntryName(name: string): string {
  return name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/** The path tar writes to: "./a//b/./c/" → "a/b/c". */
export function entryPath(name: string): string {
  return name.split('/').filter((s) => s !== '' && s !== '.').join('/');
}

/** Two names that one file system could take for the same file (case, Unicode form). */
function collisionKey(path: string): string {
  return path.normalize('NFC').toLowerCase();
}

function escapes(path: string): boolean {
  if (path.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(path) || path.includes('\\')) return true;
  return path.split('/').some((segment) => segment === '..');
}

/** Why an entry is unsafe on its own, or undefined if it is fine. */
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
    if (reason) throw rejectEntry(file, `"${entry.name}"`, reason);
  }
}

/**
 * Rules over the whole list: each path once (also once case and Unicode form are folded),
 * no entry inside a file or a symlink, hard links only to a file before them, and symlinks
 * whose target, followed through the other symlinks, stays inside.
 */
export function assertConsistentEntries(file: string, entries: readonly EntryShape[]): void {
  const byKey = new Map<string, EntryShape>();
  for (const entry of entries) {
    const key = collisionKey(entryPath(entry.name));
    const earlier = byKey.get(key);
    if (earlier) throw rejectEntry(file, `"${entry.name}"`, earlier.name === entry.name ? 'its name appears twice' : `it names the same file as "${earlier.name}"`);
    byKey.set(key, entry);
  }
  for (const entry of entries) {
    const segments = entryPath(entry.name).split('/');
    for (let i = 1; i < segments.length; i++) {
      const parent = byKey.get(collisionKey(segments.slice(0, i).join('/')));
      if (parent && parent.type !== 'directory') throw rejectEntry(file, `"${entry.name}"`, `it is inside "${parent.name}", which is a ${parent.type}, not a folder`);
    }
  }
  const symlinks = new Map(entries.filter((e) => e.type === 'symlink').map((e) => [entryPath(e.name), e.linkname ?? '']));
  entries.forEach((entry, i) => {
    if (entry.type === 'hardlink') {
      const target = byKey.get(collisionKey(entryPath(entry.linkname ?? '')));
      if (!target || target.type !== 'file' || entries.indexOf(target) > i) throw rejectEntry(file, `"${entry.name}"`, `it is a hard link to ${entry.linkname ?? ''}, which is not a regular file before it`);
    }
    if (entry.type === 'symlink') {
      const resolved = resolveInside(posix.join(posix.dirname(entryPath(entry.name)), entry.linkname ?? ''), symlinks);
      if (resolved === undefined) throw rejectEntry(file, `"${entry.name}"`, `it links to ${entry.linkname ?? ''}, which through other links leads outside the archive (or in a loop)`);
    }
  });
}

/** Follows `path` segment by segment through `symlinks`; undefined if it leaves the root or loops. */
function resolveInside(path: string, symlinks: ReadonlyMap<string, string>): string | undefined {
  const todo = path.split('/');
  const done: string[] = [];
  let hops = 0;
  while (todo.length > 0) {
    const segment = todo.shift()!;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (done.length === 0) return undefined;
      done.pop();
      continue;
    }
    done.push(segment);
    const target = symlinks.get(done.join('/'));
    if (target !== undefined) {
      if (++hops > 40 || target.startsWith('/')) return undefined;
      done.pop();
      todo.unshift(...target.split('/'));
    }
  }
  return done.join('/');
}

/**
 * A bundle holds regular files and folders only (no links of any kind, no special files),
 * with plain permissions: no set-user-ID, set-group-ID or sticky bit for tar to restore.
 */
export function assertBundleEntryTypes(file: string, entries: readonly (EntryShape & { mode?: number })[]): void {
  for (const entry of entries) {
    if (entry.type !== 'file' && entry.type !== 'directory') throw rejectEntry(file, `"${entry.name}"`, `it is a ${entry.type}; a bundle holds regular files and folders only`);
    if ((entry.mode ?? 0) & 0o7000) throw rejectEntry(file, `"${entry.name}"`, `its mode ${(entry.mode ?? 0).toString(8)} sets a set-ID or sticky bit`);
  }
}
