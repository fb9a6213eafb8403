// Starts and stops the stack's long-running programs, each recorded by PID so that
// `down` ends exactly what `up` started.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExternalError, PreconditionError } from '../errors.js';
import { spawnDaemon, tail } from '../adapters/process.js';
import { isRunning, killTree } from '../adapters/process-tree.js';
import { paths } from './layout.js';

export function logFile(name: string): string {
  return join(paths.logs(), `${name}.log`);
}

function pidFile(name: string): string {
  return join(paths.pids(), `${name}.pid`);
}

export function recordedPid(name: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(name), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function runningPid(name: string): number | undefined {
  const pid = recordedPid(name);
  return pid !== undefined && isRunning(pid) ? pid : undefined;
}

export function portInUse(port: number, hostname = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: hostname });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function requireFreePorts(part: string, portsNeeded: readonly number[]): Promise<void> {
  for (const port of portsNeeded) {
    if (await portInUse(port)) {
      throw new PreconditionError(
        `${part}: port 127.0.0.1:${port} is already taken by a process the stack did not start`,
        { hint: `stop whatever listens on ${port} (ss -ltnp 'sport = :${port}'), then run stack up again` },
      );
    }
  }
}

/** Starts argv in its own process group, output appended to the part's log. */
export function startDaemon(name: string, argv: readonly string[], env?: NodeJS.ProcessEnv): number {
  mkdirSync(paths.logs(), { recursive: true });
  mkdirSync(paths.pids(), { recursive: true });
  const pid = spawnDaemon(argv, logFile(name), env);
  writeFileSync(pidFile(name), `${pid}\n`);
  return pid;
}

export function logTail(name: string, lines = 15): string {
  try {
    return tail(readFileSync(logFile(name), 'utf8'), lines);
  } catch {
    return '(no log)';
  }
}

/** Polls `ready` until it is true; fails with the log tail if the process died or time ran out. */
export async function waitUntil(
  name: string,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready().catch(() => false)) return;
    const pid = recordedPid(name);
    if (pid !== undefined && !isRunning(pid)) {
      throw new ExternalError(`${name} exited while starting; last lines of ${logFile(name)}:\n${logTail(name)}`);
    }
    if (Date.now() > deadline) {
      throw new ExternalError(
        `${name} did not become ready within ${timeoutMs / 1000}s; last lines of ${logFile(name)}:\n${logTail(name)}`,
      );
    }
    await sleep(250);
  }
}

/**
 * Ends the recorded process group and every descendant (dockerd puts containerd in a
 * group of its own): SIGTERM, then SIGKILL after the grace period.
 */
export async function stopDaemon(name: string, graceMs = 15_000): Promise<boolean> {
  const pid = recordedPid(name);
  if (pid === undefined) return false;
  await killTree(pid, graceMs);
  rmSync(pidFile(name), { force: true });
  return true;
}
