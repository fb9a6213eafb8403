// Runs the shipline CLI as a user does, for e2e tests.
import { run, type RunResult } from '../../pipelines/adapters/process.js';

export function shipline(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return run(['node', 'scripts/shipline.mjs', ...args], { nothrow: true, input: options.input, env: options.env, timeoutMs: 300_000 });
}

export interface ImportJson {
  images: { name: string; reference: string; digest: string }[];
  stats: { blobsUploaded: number; bytesUploaded: number; blobsPresent: number; blobsMounted: number; manifestsPut: number; tagsWritten: number };
  rewrites: { file: string; path: string; from: string; to: string }[];
  applied: string[];
}
