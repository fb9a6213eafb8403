// Writes a report file whole: a reader never sees half a report, a failed write leaves none.
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../errors.js';

/** Refuses a file whose folder does not exist, before any work is done. */
export function checkReportPath(file: string, flag: string): string {
  const path = resolve(file);
  const dir = dirname(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InputError(`${flag} ${file}: folder ${dir} does not exist`, { hint: `create it first, or write the report elsewhere, e.g. ${flag} report.html` });
  }
  if (existsSync(path) && statSync(path).isDirectory()) throw new InputError(`${flag} ${file}: is a folder`, { hint: `name a file, e.g. ${flag} ${file.replace(/\/?$/, '/report.html')}` });
  return path;
}

export function writeReportFile(path: string, content: string): number {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  return Buffer.byteLength(content);
}
