// Where buildx writes its --metadata-file: a folder per image reference under shipline's
// cache, so that `build --dry-run` names the very path the real run passes. A build holds its
// folder while it runs (its pid inside); a second build of the same image:tag at the same time
// takes the next one (`<name>.2`, …), so the two never read each other's digests, and a dry run
// names the folder a build started at that moment would take.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';

export function metadataBaseDir(imageRef: string, env: NodeJS.ProcessEnv): string {
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

/** Whether a running build holds the folder (a dead build's folder, or none at all, is free). */
function held(dir: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
  } catch {
    try {
      // No pid yet: a build that has only just made the folder holds it.
      return Date.now() - statSync(dir).mtimeMs < 10_000;
    } catch {
      return false;
    }
  }
  return Number.isInteger(pid) && pid > 0 && alive(pid);
}

const candidates = function* (base: string) {
  yield base;
  for (let n = 2; ; n++) yield `${base}.${n}`;
};

/** The folder a build started now would take (nothing is created). */
export function freeMetadataDir(base: string): string {
  for (const dir of candidates(base)) if (!held(dir)) return dir;
  throw new Error('unreachable');
}

/**
 * Takes the first folder no running build holds; returns it and how to give it back. The
 * check, the removal of a dead build's folder and the making of ours run under a lock:
 * without it, two builds could both find a folder free and the second remove the first's.
 */
export async function claimMetadataDir(base: string): Promise<{ dir: string; release: () => void }> {
  mkdirSync(join(base, '..'), { recursive: true });
  const unlock = await lockfile.lock(base, { realpath: false, stale: 10_000, retries: { retries: 100, minTimeout: 20, maxTimeout: 200 } });
  try {
    for (const dir of candidates(base)) {
      if (held(dir)) continue;
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      return { dir, release: () => rmSync(dir, { recursive: true, force: true }) };
    }
    throw new Error('unreachable');
  } finally {
    await unlock().catch(() => undefined);
  }
}
