// What a stopped node leaves behind: containerd shims and the containers under them,
// mounts (overlay rootfs, sandbox shm, kubelet volumes), kubelet's pod cgroups and the
// kernel settings kubelet changed.
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { run } from '../adapters/process.js';

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Shims serving the containerd at `socket` (their argv carries `-address <socket>`). */
export function shimsOf(socket: string): number[] {
  return readdirSync('/proc')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0)
    .filter((pid) => {
      const argv = cmdline(pid);
      const at = argv.indexOf('-address');
      return (argv[0] ?? '').includes('containerd-shim') && at >= 0 && argv[at + 1] === socket;
    });
}

function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Mount points at or under dir, deepest first. */
export function mountsUnder(dir: string): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => unescapeMountPath(line.split(' ')[4] ?? ''))
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Lazily unmounts everything at or under dir (a path may be stacked several times). */
export async function unmountUnder(dir: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const points = mountsUnder(dir);
    if (points.length === 0) return;
    for (const point of points) await run(['umount', '-l', point], { nothrow: true });
  }
}

function subdirs(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
}

/**
 * Removes the cgroup `name` (e.g. "kubepods") with its children from every mounted
 * hierarchy under /sys/fs/cgroup; cgroupfs allows rmdir of an empty group only, so the
 * tree goes leaves first. Groups still holding a process are left and reported.
 */
export function removeCgroupTree(name: string): string[] {
  const left: string[] = [];
  const remove = (dir: string) => {
    for (const child of subdirs(dir)) remove(child);
    try {
      rmdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') left.push(dir);
    }
  };
  for (const hierarchy of subdirs('/sys/fs/cgroup')) {
    const root = join(hierarchy, name);
    if (subdirs(hierarchy).includes(root)) remove(root);
  }
  return left;
}

/** The kernel settings kubelet rewrites at start (protectKernelDefaults: false). */
export const kubeletTunables = [
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
] as const;

/** Records the current values once, so that `down` can put back what kubelet changed. */
export function saveTunables(file: string): void {
  if (existsSync(file)) return;
  const values = Object.fromEntries(kubeletTunables.map((key) => [key, readFileSync(`/proc/sys/${key}`, 'utf8').trim()]));
  writeFileSync(file, `${JSON.stringify(values, null, 2)}\n`);
}

export function restoreTunables(file: string): void {
  if (!existsSync(file)) return;
  const values = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  for (const key of kubeletTunables) {
    const value = values[key];
    if (value !== undefined) writeFileSync(`/proc/sys/${key}`, value);
  }
  rmSync(file);
}

/**
 * containerd 1.6 puts shim sockets in /run/containerd/s whatever its state dir; each
 * task bundle names its shim's socket in an `address` file. A killed shim leaves the
 * socket file behind, so `down` removes those it finds listed under stateDir.
 */
export function shimSocketsOf(stateDir: string): string[] {
  const tasks = join(stateDir, 'io.containerd.runtime.v2.task');
  return subdirs(tasks).flatMap(subdirs).flatMap((bundle) => {
    try {
      const address = readFileSync(join(bundle, 'address'), 'utf8').trim();
      return address.startsWith('unix:///run/containerd/s/') ? [address.slice('unix://'.length)] : [];
    } catch {
      return [];
    }
  });
}
