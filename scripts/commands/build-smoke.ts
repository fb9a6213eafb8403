// `build --smoke`: the image just built, run on the Docker Engine (pipelines/smoke), from the
// registry when it was pushed, else from its OCI tarball.
import type { BuildResult } from '../../pipelines/build/run.js';
import type { LoadedConfig } from '../../pipelines/config/load.js';
import { InputError } from '../../pipelines/errors.js';
import { describeSmoke, planSmoke, type SmokePlan } from '../../pipelines/smoke/plan.js';
import type { SmokeResult } from '../../pipelines/smoke/run.js';

export interface SmokeFlags {
  smoke?: boolean;
  smokePlatform?: string;
  smokeTimeout: string;
}

/** Checked before the build: a platform the build does not make is bad input. */
export function checkSmokeFlags(flags: SmokeFlags, platforms: string[]): void {
  if (!flags.smoke) {
    if (flags.smokePlatform) throw new InputError('--smoke-platform goes with --smoke', { hint: 'add --smoke, or leave out --smoke-platform' });
    return;
  }
  if (flags.smokePlatform && !platforms.includes(flags.smokePlatform)) {
    throw new InputError(`--smoke-platform ${flags.smokePlatform}: the build makes ${platforms.join(', ')}, not ${flags.smokePlatform}`, { hint: `pick one of ${platforms.join(', ')}` });
  }
}

function plan(loaded: LoadedConfig, result: BuildResult, platform: string, timeoutMs: number): SmokePlan {
  const planned = planSmoke({
    loaded,
    pinned: result.dryRun && result.plan.push ? `${loaded.config.image.repository}@<the digest the build pushes>` : result.pinned,
    ociPath: result.ociPath ?? (result.dryRun ? result.plan.ociPath : undefined),
    ociName: result.plan.imageRef,
    platform,
    timeoutMs,
  });
  if (!planned) throw new InputError('--smoke: the build neither pushes the image nor writes an OCI tarball, so there is nothing to run', { hint: 'add --push or --oci FILE' });
  return planned;
}

export async function smokeAfterBuild(loaded: LoadedConfig, result: BuildResult, flags: SmokeFlags, log: (line: string) => void): Promise<{ plan: string; result?: SmokeResult }> {
  const { parseTimeoutFlag } = await import('../../pipelines/cluster/timeout-flag.js');
  const timeoutMs = parseTimeoutFlag(flags.smokeTimeout, '--smoke-timeout');
  if (result.dryRun) {
    const { hostPlatform } = await import('../../pipelines/release/smoke-step.js');
    return { plan: describeSmoke(plan(loaded, result, flags.smokePlatform ?? hostPlatform(), timeoutMs)) };
  }
  const { enginePlatform, runSmoke } = await import('../../pipelines/smoke/run.js');
  const smoke = plan(loaded, result, flags.smokePlatform ?? (await enginePlatform()), timeoutMs);
  return { plan: describeSmoke(smoke), result: await runSmoke(smoke, log) };
}
