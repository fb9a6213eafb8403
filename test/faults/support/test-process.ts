// A program a fault test starts and then hangs (SIGSTOP), resumes (SIGCONT) or kills,
// started through the process door: its own PID (no shell in between), output appended to
// a log file or handed to callbacks, and its tree ended with the test process at the latest.
import { createWriteStream, type WriteStream } from 'node:fs';
import { start, type RunOptions, type RunResult } from '../../../pipelines/adapters/process.js';

export interface TestProcessOptions extends Pick<RunOptions, 'cwd' | 'env' | 'onStdout' | 'onStderr' | 'onLine'> {
  /** Both output streams are appended to this file. */
  logFile?: string;
}

export class TestProcess {
  private ended = false;

  private constructor(
    readonly pid: number,
    readonly result: Promise<RunResult>,
  ) {
    void result.then(
      () => (this.ended = true),
      () => (this.ended = true),
    );
  }

  static start(argv: readonly string[], options: TestProcessOptions = {}): TestProcess {
    const { logFile, onStdout, onStderr, ...rest } = options;
    const log: WriteStream | undefined = logFile === undefined ? undefined : createWriteStream(logFile, { flags: 'a' });
    const running = start(argv, {
      ...rest,
      nothrow: true,
      onStdout: (chunk) => {
        log?.write(chunk);
        onStdout?.(chunk);
      },
      onStderr: (chunk) => {
        log?.write(chunk);
        onStderr?.(chunk);
      },
    });
    const result = running.result.finally(() => log?.end());
    return new TestProcess(running.pid, result);
  }

  /** True until the program has ended. */
  get running(): boolean {
    return !this.ended;
  }

  hang(): void {
    this.signal('SIGSTOP');
  }

  resume(): void {
    this.signal('SIGCONT');
  }

  /** Sends sig to the program; nothing once it has ended. */
  signal(sig: NodeJS.Signals): void {
    if (this.ended) return;
    try {
      process.kill(this.pid, sig);
    } catch {
      /* it ended just now */
    }
  }

  /** SIGKILL (after SIGCONT, should it be hung); resolves once it has ended. */
  async kill(): Promise<void> {
    if (this.ended) return;
    this.signal('SIGCONT');
    this.signal('SIGKILL');
    await this.result.catch(() => undefined);
  }
}
