// The manifest inputs of `apply`, `delete`, `diff` (-f) and `bundle create --manifests`, read
// as kubectl reads -f: a file, `-` for standard input, or a folder's .yaml, .yml and .json
// files (its subfolders too with -R).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { InputError } from './errors.js';

export interface InputFile {
  /** Where it was read from, for messages: the path, or `-` (standard input). */
  file: string;
  /** A file name for it: its path inside the folder given, its base name, or stdin.yaml. */
  name: string;
  text: string;
}

const manifestFile = /\.(ya?ml|json)$/;

function folderFiles(dir: string, recursive: boolean): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive) files.push(...folderFiles(path, true));
    } else if (manifestFile.test(entry.name)) {
      files.push(path);
    }
  }
  return files;
}

function readStandardInput(flag: string): string {
  try {
    return readFileSync(0, 'utf8');
  } catch (error) {
    throw new InputError(`${flag} -: cannot read standard input (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { hint: `pipe the manifests in, e.g. shipline render -o json | shipline apply ${flag} -` });
  }
}

/**
 * Every file the paths name, in order (a folder's files sorted by name). `flag` names the
 * option in messages (`-f`, `--manifests`); standard input is read once, whatever its place.
 */
export function readInputFiles(paths: readonly string[], options: { flag: string; recursive?: boolean; readStdin?: () => string }): InputFile[] {
  const { flag } = options;
  if (paths.filter((p) => p === '-').length > 1) throw new InputError(`${flag} -: standard input can be given once`, { hint: `pass ${flag} - a single time` });
  const out: InputFile[] = [];
  for (const given of paths) {
    if (given === '-') {
      out.push({ file: '-', name: 'stdin.yaml', text: (options.readStdin ?? (() => readStandardInput(flag)))() });
      continue;
    }
    let stat;
    try {
      stat = statSync(given);
    } catch {
      throw new InputError(`${flag} ${given}: no such file or folder`, { hint: `pass existing YAML or JSON files or folders with ${flag}, or ${flag} - for standard input` });
    }
    if (!stat.isDirectory()) {
      out.push({ file: given, name: given.split(/[\\/]/).pop()!, text: readFileSync(given, 'utf8') });
      continue;
    }
    const files = folderFiles(given, options.recursive === true);
    if (files.length === 0) {
      const deeper = !options.recursive && folderFiles(given, true).length > 0;
      throw new InputError(`${flag} ${given}: the folder holds no .yaml, .yml or .json file${deeper ? ' (its subfolders do)' : ''}`, {
        hint: deeper ? 'add -R (--recursive) to read its subfolders too' : `pass a folder of manifests, or the files themselves with ${flag}`,
      });
    }
    for (const file of files) out.push({ file, name: relative(given, file), text: readFileSync(file, 'utf8') });
  }
  return out;
}
