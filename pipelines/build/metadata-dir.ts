// Where buildx writes its --metadata-file: one folder per image reference under shipline's
// cache, so that `build --dry-run` names the very path the real run passes. The folder is
// also the run's claim on that reference: a second build of the same image:tag at the same
// time would push over the first one's tag, so it is refused instead.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PreconditionError } from '../errors.js';

export function metadataDirFor(imageRef: string, env: NodeJS.ProcessEnv): string {
  const cache = env.SHIPLINE_CACHE ?? join(homedir(), '.cache', 'shipline');
  return join(cache, 'build', imageRef.replace(/[^\w.-]/g, '_'));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ownerOf(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the folder for this run; returns how to remove it. A folder left by a dead run is replaced. */
export function claimMetadataDir(dir: string, imageRef: string): () => void {
  mkdirSync(join(dir, '..'), { recursive: true });
  try {
    mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = ownerOf(dir);
    // No pid yet: the other run has only just made the folder.
    const starting = owner === undefined && Date.now() - statSync(dir).mtimeMs < 10_000;
    if (starting || (owner !== undefined && owner !== process.pid && alive(owner))) {
      throw new PreconditionError(`another shipline build of ${imageRef} is running${owner ? ` (pid ${owner})` : ''}`, {
        hint: `wait for it to finish, or build another tag; ${dir} marks it`,
      });
    }
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
  }
  writeFileSync(join(dir, 'pid'), String(process.pid));
  return () => rmSync(dir, { recursive: true, force: true });
}
