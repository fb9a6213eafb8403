// Runs the shipline CLI as a user does, from a working directory of the test's choosing.
import { fileURLToPath } from 'node:url';
import { run, type RunResult } from '../../pipelines/adapters/process.js';

const entry = fileURLToPath(new URL('../../scripts/shipline.mjs', import.meta.url));

export function shipline(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<RunResult> {
  return run(['node', entry, ...args], { ...options, env: { ...process.env, ...options.env }, nothrow: true, timeoutMs: 600_000 });
}
