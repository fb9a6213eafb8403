// The process door (pipelines/adapters/process.ts) with real processes: argv passed
// verbatim, output streamed, stderr tail in errors, and the whole process tree ended on
// a timeout and on Ctrl-C. Also: no other module spawns a process, tests included.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { run, spawnDaemon, start } from '../../pipelines/adapters/process.js';
import { isRunning, killTree, killTreesNow } from '../../pipelines/adapters/process-tree.js';
import { ExternalError } from '../../pipelines/errors.js';
import { projectRoot } from '../../pipelines/project-root.js';

const door = ['pipelines/adapters/process.ts'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|mts|cts|js|mjs|cjs)$/.test(entry.name) ? [path] : [];
  });
}

async function waitGone(pids: number[], ms = 5_000): Promise<number[]> {
  const deadline = Date.now() + ms;
  while (pids.some(isRunning) && Date.now() < deadline) await sleep(50);
  return pids.filter(isRunning);
}

describe('process door', () => {
  it('is the only module that imports node:child_process, execa or zx', () => {
    const spawning = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](?:node:)?(?:child_process|execa|zx)(?:\/[\w/]*)?['"]/;
    const files = ['scripts', 'pipelines', 'manifests', 'test'].flatMap((dir) => sources(join(projectRoot, dir)));
    expect(files.length).toBeGreaterThan(100);
    const offenders = files
      .map((file) => relative(projectRoot, file))
      .filter((file) => !door.includes(file) && spawning.test(readFileSync(join(projectRoot, file), 'utf8')));
    expect(offenders).toEqual([]);
    // The pattern itself finds the door's own import.
    expect(spawning.test(readFileSync(join(projectRoot, door[0]!), 'utf8'))).toBe(true);
  });

  it('passes every argument verbatim, with no shell in between', async () => {
    const tricky = ["it's", '$HOME', 'a;b', '`id`', '*', '', 'two\nlines'];
    const result = await run(['node', '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...tricky]);
    expect(JSON.parse(result.stdout)).toEqual(tricky);
  });

  it("gives the program's own PID (no shell left in between)", async () => {
    const program = start(['sh', '-c', 'sleep 30', 'arg with spaces'], { nothrow: true });
    const cmdline = () => readFileSync(`/proc/${program.pid}/cmdline`, 'utf8').split('\0');
    const deadline = Date.now() + 3_000;
    while (cmdline()[0] !== 'sh' && Date.now() < deadline) await sleep(20);
    expect(cmdline().slice(0, 4)).toEqual(['sh', '-c', 'sleep 30', 'arg with spaces']);
    await program.kill();
    expect((await program.result).signal).toBe('SIGTERM');
  });

  it('feeds input, and gives a program without input an empty stdin', async () => {
    expect((await run(['cat'], { input: 'hello\n' })).stdout).toBe('hello\n');
    expect((await run(['cat'], { timeoutMs: 5_000 })).stdout).toBe('');
  });

  it('streams output lines to the caller while the program runs', async () => {
    const seen: { line: string; stream: string; at: number }[] = [];
    const began = Date.now();
    const result = await run(['sh', '-c', 'echo one; echo warn >&2; sleep 1; printf two'], {
      onLine: (line, stream) => seen.push({ line, stream, at: Date.now() - began }),
    });
    const ended = Date.now() - began;
    expect(seen.map(({ line, stream }) => `${stream}:${line}`).sort()).toEqual(['stderr:warn', 'stdout:one', 'stdout:two']);
    expect(seen.find((s) => s.line === 'one')!.at).toBeLessThan(ended - 700);
    expect(result.stdout).toBe('one\ntwo');
  });

  it('fails with the exit code and the tail of stderr', async () => {
    const failing = run(['sh', '-c', 'for i in $(seq 1 30); do echo "line $i" >&2; done; exit 3']);
    await expect(failing).rejects.toThrow(ExternalError);
    const message = await failing.catch((error: Error) => error.message);
    expect(message).toMatch(/^sh -c .* exited with 3\n/);
    expect(message).toContain('line 30');
    expect(message).not.toContain('line 15\n');
    const kept = await run(['sh', '-c', 'echo out; exit 4'], { nothrow: true });
    expect(kept).toMatchObject({ exitCode: 4, stdout: 'out\n' });
  });

  it('names a program that is not installed', async () => {
    await expect(run(['shipline-no-such-program', '--help'])).rejects.toThrow(/cannot run shipline-no-such-program: not found on PATH/);
    await expect(run(['/nonexistent/bin/tool'])).rejects.toThrow(/no such executable/);
    await expect(run(['true'], { cwd: '/nonexistent/dir' })).rejects.toThrow('cannot run true: its working directory /nonexistent/dir does not exist');
  });

  it('ends the whole process tree on a timeout, also processes that left its group', async () => {
    let pids: number[] = [];
    const began = Date.now();
    const running = run(['sh', '-c', 'sleep 300 & echo "$$ $!"; setsid sleep 300 & echo "$!"; wait'], {
      timeoutMs: 1_000,
      onStdout: (chunk) => (pids = [...pids, ...chunk.split(/\s+/).filter(Boolean).map(Number)]),
    });
    await expect(running).rejects.toThrow(/did not finish within 1s; its process tree was ended/);
    expect(Date.now() - began).toBeLessThan(5_000);
    expect(pids).toHaveLength(3);
    expect(await waitGone(pids)).toEqual([]);
  });

  it('escalates to SIGKILL when the program ignores SIGTERM', async () => {
    const result = await run(['sh', '-c', "trap '' TERM; sleep 300 & wait; sleep 300"], {
      timeoutMs: 500,
      killGraceMs: 500,
      nothrow: true,
    });
    expect(result).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL' });
  });

  it("kills several trees at once (the stack's leftover shims), processes that left their group too", async () => {
    let pids: number[] = [];
    // The parent ends in `exec sleep`, not `wait`: a shell waiting on its children could exit on
    // its own when they die just before its SIGKILL arrives (seen once under a loaded suite).
    const program = start(['sh', '-c', 'sleep 300 & echo "$$ $!"; setsid sleep 300 & echo "$!"; exec sleep 300'], {
      nothrow: true,
      onStdout: (chunk) => (pids = [...pids, ...chunk.split(/\s+/).filter(Boolean).map(Number)]),
    });
    const deadline = Date.now() + 5_000;
    while (pids.length < 3 && Date.now() < deadline) await sleep(20);
    expect(pids).toHaveLength(3);
    await killTreesNow([program.pid], 5_000);
    expect(pids.filter(isRunning)).toEqual([]);
    expect((await program.result).signal).toBe('SIGKILL');
  });

  for (const variant of ['default', 'cli'] as const) {
    it(`ends the process tree when shipline is interrupted (Ctrl-C, ${variant === 'cli' ? 'with the CLI handler' : 'no handler'})`, async () => {
      let pids: number[] = [];
      const fixture = join(projectRoot, 'test', 'unit', 'fixtures', 'interrupted-run.ts');
      const parent = start(['node', '--import', 'tsx', fixture, variant], {
        cwd: projectRoot,
        nothrow: true,
        onStdout: (chunk) => (pids = [...pids, ...chunk.split(/\s+/).filter(Boolean).map(Number)]),
      });
      const deadline = Date.now() + 20_000;
      while (pids.length < 3 && Date.now() < deadline) await sleep(50);
      expect(pids).toHaveLength(3);
      process.kill(parent.pid, 'SIGINT');
      const result = await parent.result;
      if (variant === 'cli') expect(result.exitCode).toBe(130);
      else expect(result.signal).toBe('SIGINT');
      expect(await waitGone(pids)).toEqual([]);
    }, 30_000);
  }

  it('starts a daemon detached, as its own process group, output appended to its log', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'shipline-daemon-')), 'd.log');
    const pid = spawnDaemon(['sh', '-c', 'echo started; echo oops >&2; exec sleep 300'], log);
    try {
      const deadline = Date.now() + 5_000;
      while (!readFileSync(log, 'utf8').includes('oops') && Date.now() < deadline) await sleep(50);
      expect(readFileSync(log, 'utf8')).toBe('started\noops\n');
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [, , , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      expect(Number(group)).toBe(pid);
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]).toBe('sleep');
    } finally {
      await killTree(pid, 1_000);
    }
    expect(await waitGone([pid])).toEqual([]);
    expect(() => spawnDaemon(['shipline-no-such-daemon'], log)).toThrow(/not found on PATH/);
  });
});
