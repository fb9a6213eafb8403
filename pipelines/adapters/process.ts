// The one door to local programs: every command is an argv array, never a shell string.
import { spawn } from 'node:child_process';
import { ExternalError } from '../errors.js';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  timeoutMs?: number;
  /** Return the result instead of throwing on a non-zero exit. */
  nothrow?: boolean;
}

export interface RunResult {
  argv: readonly string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function quoteArgv(argv: readonly string[]): string {
  return argv
    .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}

export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [command, ...args] = argv;
  if (!command) throw new Error('run: empty argv');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) =>
      reject(new ExternalError(`cannot run ${command}: ${error.message}`, { cause: error })),
    );
    child.on('close', (exitCode, signal) => {
      const result: RunResult = {
        argv,
        exitCode,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if (exitCode === 0 || options.nothrow) return resolve(result);
      const why = signal ? `was killed by ${signal}` : `exited with ${exitCode}`;
      reject(
        new ExternalError(`${quoteArgv(argv)} ${why}\n${tail(result.stderr || result.stdout)}`),
      );
    });
    child.stdin.end(options.input);
  });
}

export async function commandExists(command: string): Promise<boolean> {
  const result = await run(['sh', '-c', 'command -v "$1"', 'sh', command], { nothrow: true });
  return result.exitCode === 0;
}
