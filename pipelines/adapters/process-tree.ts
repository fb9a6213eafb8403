// Process trees read from /proc (Linux): the descendants of a process, and ending a whole
// tree — its process group and every descendant, including those that left the group.
// The one process-tree killer: used by the process door (process.ts), the stack's daemon
// stopper and its node cleanup.
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

function stat(pid: number): { state: string; parent: number } | undefined {
  try {
    // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state = '', parent = ''] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state, parent: Number(parent) };
  } catch {
    return undefined;
  }
}

/** True while pid runs (a zombie, which only waits for its parent to reap it, counts as ended). */
export function isRunning(pid: number): boolean {
  const found = stat(pid);
  return found !== undefined && found.state !== 'Z' && found.state !== 'X';
}

/** Every live descendant of pid, including those that left its process group. */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const child = Number(entry);
    if (!Number.isInteger(child)) continue;
    const parent = stat(child)?.parent;
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/**
 * Sends sig to the process group led by pid (when it leads one), to pid and to every
 * process in `members`. Returns the members plus the descendants found now, so that a
 * later SIGKILL reaches processes orphaned by the first signal.
 */
export function signalTree(pid: number, sig: NodeJS.Signals, members: readonly number[] = []): number[] {
  const all = [...new Set([...members, ...(isRunning(pid) ? descendantsOf(pid) : [])])];
  try {
    process.kill(-pid, sig);
  } catch {
    /* not a group leader, or the group is gone */
  }
  signal(pid, sig);
  for (const member of all) signal(member, sig);
  return all;
}

const treeRunning = (pid: number, members: readonly number[]) => isRunning(pid) || members.some(isRunning);

async function waitEnded(pid: number, members: readonly number[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (treeRunning(pid, members) && Date.now() < deadline) await sleep(50);
}

/**
 * Ends the tree of pid: SIGTERM, then SIGKILL to whatever still runs after graceMs; returns
 * once the tree is gone (or, should a process hang in the kernel, after a few more seconds).
 */
export async function killTree(pid: number, graceMs = 3_000): Promise<void> {
  const members = signalTree(pid, 'SIGTERM');
  await waitEnded(pid, members, graceMs);
  if (!treeRunning(pid, members)) return;
  await waitEnded(pid, signalTree(pid, 'SIGKILL', members), 5_000);
}

/** SIGKILLs each pid and its whole tree at once, leaves first, and waits until all are gone (or timeoutMs passed). */
export async function killTreesNow(pids: readonly number[], timeoutMs = 10_000): Promise<void> {
  const all = pids.flatMap((pid) => [...descendantsOf(pid).reverse(), pid]);
  for (const member of all) signal(member, 'SIGKILL');
  const deadline = Date.now() + timeoutMs;
  while (all.some(isRunning) && Date.now() < deadline) await sleep(50);
}

/**
 * The same, synchronously, for a process that is exiting (an 'exit' listener cannot
 * wait for timers): SIGTERM, a short blocking grace, then SIGKILL.
 */
export function killTreeSync(pid: number, graceMs = 500): void {
  const members = signalTree(pid, 'SIGTERM');
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + graceMs;
  while (treeRunning(pid, members) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 20);
  if (treeRunning(pid, members)) signalTree(pid, 'SIGKILL', members);
}
