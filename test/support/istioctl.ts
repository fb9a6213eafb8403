// istioctl, built from its Go module into the shipline cache (idempotent), and its
// verdict on one file: `istioctl validate -f FILE` runs Istio's schema and Go
// validation offline.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
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

export function istioctlValidate(istioctl: string, file: string): IstioctlVerdict {
  const result = spawnSync(istioctl, ['validate', '-f', file], { encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  if (result.status !== 0 && result.status !== 1) throw new Error(`istioctl validate -f ${file} exited ${result.status}: ${result.stderr}`);
  return { valid: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}
