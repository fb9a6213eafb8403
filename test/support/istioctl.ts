// istioctl, built from its Go module into the shipline cache (idempotent), and its
// verdict on one file: `istioctl validate -f FILE` runs Istio's schema and Go
// validation offline.
import { join } from 'node:path';
import { run } from '../../pipelines/adapters/process.js';
import { buildGoTool } from '../../pipelines/stack/install.js';
import { cacheDir, versions } from '../../pipelines/stack/layout.js';

export async function ensureIstioctl(): Promise<string> {
  await buildGoTool('istioctl');
  return join(cacheDir(), 'tools', `istioctl-${versions.istioctl}`, 'istioctl');
}

export interface IstioctlVerdict {
  valid: boolean;
  output: string;
}

export async function istioctlValidate(istioctl: string, file: string): Promise<IstioctlVerdict> {
  const result = await run([istioctl, 'validate', '-f', file], { nothrow: true, timeoutMs: 60_000 });
  if (result.exitCode !== 0 && result.exitCode !== 1) throw new Error(`istioctl validate -f ${file} exited ${result.timedOut ? 'never (timed out after 60s)' : result.exitCode}: ${result.stderr}`);
  return { valid: result.exitCode === 0, output: `${result.stdout}${result.stderr}`.trim() };
}
