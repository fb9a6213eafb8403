// The one door to local programs (zx underneath). Every command is an argv array, never a
// shell string: zx quotes each argument. Every call may have a timeout; on a timeout, and
// when shipline is interrupted (Ctrl-C) or exits, the program's whole process tree is
// ended. Output can be streamed to the caller as it arrives; a failure carries the tail
// of stderr. Long-lived daemons (the local stack) start through spawnDaemon, below.
// No other module imports node:child_process or zx (test/unit/process-door.test.ts).
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync } from 'node:fs';
import { $, which, type ProcessOutput } from 'zx/core';
import { ExternalError } from '../errors.js';
import { killTree, killTreeSync } from './process-tree.js';
import { detail } from '../verbosity.js';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Ends the program's whole process tree after this long (SIGTERM, then SIGKILL). */
  timeoutMs?: number;
  /** Between SIGTERM and SIGKILL when the timeout ends the tree (default 3 s). */
  killGraceMs?: number;
  /** Return the result instead of throwing on a non-zero exit or a timeout. */
  nothrow?: boolean;
  /** Each chunk of standard output, as it arrives. */
  onStdout?: (chunk: string) => void;
  /** Each chunk of standard error, as it arrives. */
  onStderr?: (chunk: string) => void;
  /** Each complete line of either stream, as it arrives (the last one also without a newline). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface RunResult {
  argv: readonly string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The signal that ended the program, if one did. */
  signal?: NodeJS.Signals | null;
  /** The timeout ended the program. */
  timedOut?: boolean;
}

/** A started program: its PID, a way to end its tree, and its result. */
export interface RunningProcess {
  pid: number;
  result: Promise<RunResult>;
  /** Ends the whole process tree (SIGTERM, then SIGKILL after graceMs). */
  kill(graceMs?: number): Promise<void>;
}

export function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function quoteArgv(argv: readonly string[]): string {
  return argv
    .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}

/** Runs argv to its end. */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  try {
    return start(argv, options).result;
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Starts argv and returns at once; `result` settles as `run` would. Throws if it cannot start. */
export function start(argv: readonly string[], options: RunOptions = {}): RunningProcess {
  const [command] = argv;
  if (!command) throw new Error('run: empty argv');
  const env = options.env ?? process.env;
  requireExecutable(command, env.PATH);
  if (options.cwd !== undefined && !existsSync(options.cwd)) {
    throw new ExternalError(`cannot run ${command}: its working directory ${options.cwd} does not exist`);
  }
  detail(`$ ${quoteArgv(argv)}${options.cwd ? `  (in ${options.cwd})` : ''}`);
  const program = $({
    cwd: options.cwd,
    env,
    input: options.input,
    // Without input, stdin is /dev/null (a program that reads it sees the end at once).
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    // Its own process group, so the tree can be ended as one.
    detached: true,
    // One simple command and no `set -euo pipefail;` before it: bash execs the program,
    // so the PID is the program's own.
    prefix: '',
    postfix: '',
    nothrow: true,
    quiet: true,
    verbose: false,
  })`${[...argv]}`;
  const pid = program.pid;
  if (pid === undefined) throw new ExternalError(`cannot run ${command}: the process did not start`);
  live.add(pid);
  watchInterrupts();
  stream(program.stdout, 'stdout', options.onStdout, options.onLine);
  stream(program.stderr, 'stderr', options.onStderr, options.onLine);

  let timedOut = false;
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          void killTree(pid, options.killGraceMs);
        }, options.timeoutMs);

  const result = (async () => {
    let output: ProcessOutput;
    try {
      output = await program;
    } finally {
      clearTimeout(timer);
      live.delete(pid);
      watchInterrupts();
    }
    if (output.cause) throw new ExternalError(`cannot run ${command}: ${output.cause.message}`, { cause: output.cause });
    const done: RunResult = {
      argv,
      exitCode: timedOut ? null : output.exitCode,
      stdout: output.stdout,
      stderr: output.stderr,
      signal: output.signal,
      ...(timedOut ? { timedOut } : {}),
    };
    if ((done.exitCode === 0 && !timedOut) || options.nothrow) return done;
    const why = timedOut
      ? `did not finish within ${formatMs(options.timeoutMs!)}; its process tree was ended`
      : output.signal
        ? `was killed by ${output.signal}`
        : `exited with ${output.exitCode}`;
    const last = tail(done.stderr || done.stdout);
    throw new ExternalError(`${quoteArgv(argv)} ${why}${last ? `\n${last}` : ''}`);
  })();
  return { pid, result, kill: (graceMs) => killTree(pid, graceMs) };
}

export async function commandExists(command: string): Promise<boolean> {
  return which.sync(command, { nothrow: true }) !== null;
}

/**
 * Starts a long-lived program detached in its own process group, output appended to
 * logFile, and returns its PID; it outlives shipline (`stack down` ends it by PID).
 * Plain node:child_process rather than zx: a daemon is not awaited, and zx would put a
 * shell between the PID recorded and the program.
 */
export function spawnDaemon(argv: readonly string[], logFile: string, env?: NodeJS.ProcessEnv): number {
  const [command, ...args] = argv;
  if (!command) throw new Error('spawnDaemon: empty argv');
  requireExecutable(command, (env ?? process.env).PATH);
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', log, log], env: env ?? process.env });
    child.on('error', () => {
      /* reported below when there is no PID; a later exit shows in the part's log */
    });
    if (child.pid === undefined) throw new ExternalError(`cannot start ${command}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

function requireExecutable(command: string, path: string | undefined): void {
  if (command.includes('/')) {
    try {
      accessSync(command, constants.X_OK);
    } catch {
      throw new ExternalError(`cannot run ${command}: no such executable file`);
    }
  } else if (which.sync(command, { nothrow: true, ...(path === undefined ? {} : { path }) }) === null) {
    throw new ExternalError(`cannot run ${command}: not found on PATH`, {
      hint: `install ${command}, or put its folder on PATH`,
    });
  }
}

function stream(
  source: NodeJS.ReadableStream | undefined,
  name: 'stdout' | 'stderr',
  onChunk: ((chunk: string) => void) | undefined,
  onLine: ((line: string, stream: 'stdout' | 'stderr') => void) | undefined,
): void {
  if (!source || (!onChunk && !onLine)) return;
  let partial = '';
  source.on('data', (data: Buffer | string) => {
    const text = data.toString();
    onChunk?.(text);
    if (!onLine) return;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line, name);
  });
  source.on('end', () => {
    if (partial && onLine) onLine(partial, name);
    partial = '';
  });
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
}

// Programs started by run/start that have not ended yet, by PID (each leads its group).
const live = new Set<number>();
let watching = false;

function endLiveTrees(): void {
  for (const pid of live) killTreeSync(pid);
  live.clear();
}

/**
 * On Ctrl-C (or SIGTERM) while programs run, their trees end with shipline. A listener
 * of the process's own (the CLI maps SIGINT to exit 130) exits, and the 'exit' listener
 * ends the trees; without one, this ends them and re-raises the signal.
 */
function onSignal(signal: NodeJS.Signals): void {
  endLiveTrees();
  if (process.listenerCount(signal) === 1) {
    stopWatching();
    process.kill(process.pid, signal);
  }
}

function stopWatching(): void {
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('exit', endLiveTrees);
  watching = false;
}

function watchInterrupts(): void {
  if (live.size > 0 && !watching) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('exit', endLiveTrees);
    watching = true;
  } else if (live.size === 0 && watching) {
    stopWatching();
  }
}
