// cosign, built from its Go module into the shipline cache on first use (minutes; cached).
import { existsSync } from 'node:fs';
import { run, type RunResult } from '../../pipelines/adapters/process.js';
import { buildGoTool } from '../../pipelines/stack/install.js';
import { paths } from '../../pipelines/stack/layout.js';

export async function ensureCosign(): Promise<string> {
  if (!existsSync(paths.cosign())) await buildGoTool('cosign');
  return paths.cosign();
}

/** Runs cosign offline: no transparency log, no signing config, the classic signature file. */
export function cosign(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return run([paths.cosign(), ...args], { nothrow: true, env: { ...process.env, ...env }, timeoutMs: 120_000 });
}
