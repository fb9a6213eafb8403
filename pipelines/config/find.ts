// How every command finds its shipline.yaml: `--config FILE` (or `@sample`), else the
// current folder, then its parents up to the git root. The embedded sample is used
// without a flag only inside shipline's own checkout, where no shipline.yaml exists.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { InputError } from '../errors.js';
import { projectRoot } from '../project-root.js';

export const configFileName = 'shipline.yaml';
/** `--config @sample`: the embedded sample service on the local stack, anywhere. */
export const sampleFlag = '@sample';
/** The one help text of every command's `-c, --config`. */
export const configOptionHelp = `config file (default: ${configFileName} in this folder or a parent up to the git root; ${sampleFlag}: the embedded sample)`;

export type ConfigSource =
  | { kind: 'file'; path: string; shown: string }
  | { kind: 'sample' };

/** The folder holding .git (a folder, or a worktree's file) at or above `dir`, if any. */
export function gitRoot(dir: string): string | undefined {
  for (let current = resolve(dir); ; current = dirname(current)) {
    if (existsSync(join(current, '.git'))) return current;
    if (dirname(current) === current) return undefined;
  }
}

function within(dir: string, root: string): boolean {
  const rel = relative(root, dir);
  return !rel.startsWith('..') && !rel.startsWith(sep);
}

/** Where the config of a command run in `cwd` comes from; throws when there is none. */
export function findConfig(flag: string | undefined, cwd = process.cwd(), sampleRoot = projectRoot): ConfigSource {
  if (flag === sampleFlag) return { kind: 'sample' };
  if (flag !== undefined) return { kind: 'file', path: resolve(cwd, flag), shown: flag };
  const root = gitRoot(cwd);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, configFileName);
    if (existsSync(candidate) && statSync(candidate).isFile()) {
      return { kind: 'file', path: candidate, shown: relative(cwd, candidate) };
    }
    if (root === undefined || dir === root || dirname(dir) === dir) break;
  }
  if (root !== undefined && root === resolve(sampleRoot) && within(resolve(cwd), root)) return { kind: 'sample' };
  const where = root === undefined ? `${resolve(cwd)} (not in a git repository, so no parent was searched)` : `${resolve(cwd)} or its parents up to ${root}`;
  throw new InputError(`no ${configFileName} in ${where} — run \`shipline init\``, {
    hint: `run \`shipline init\` here to write one, pass --config FILE, or --config ${sampleFlag} for the sample service on the local stack`,
  });
}
