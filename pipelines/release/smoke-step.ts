// The release's smoke step: the new image, run on the Docker Engine before anything reaches
// the cluster (pipelines/smoke). A dry run shows what it would do and contacts no Engine.
import { basename } from 'node:path';
import { InputError } from '../errors.js';
import { describeSmoke, planSmoke } from '../smoke/plan.js';
import type { ReleaseState } from './context.js';
/** Where a step reports what it is doing, a line at a time. */
type Report = (line: string) => void;


/** This machine's platform, as the dry run's stand-in for the Engine's (e.g. linux/amd64). */
export function hostPlatform(): string {
  const arch = ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[process.arch] ?? process.arch;
  return `linux/${arch}`;
}

/** --smoke-platform must be one the release builds (checked before anything runs). */
export function checkSmokePlatform(state: ReleaseState): void {
  const wanted = state.options.smokePlatform;
  if (!wanted || state.options.skipBuild) return;
  const built = state.loaded!.config.image.platforms;
  if (!built.includes(wanted)) {
    throw new InputError(`--smoke-platform ${wanted}: the release builds ${built.join(', ')}, not ${wanted}`, { hint: `pick one of ${built.join(', ')}, or add ${wanted} to image.platforms` });
  }
}

export async function smokeStep(state: ReleaseState, report: Report): Promise<void> {
  const loaded = state.loaded!;
  const { enginePlatform, runSmoke } = state.options.dryRun ? { enginePlatform: undefined, runSmoke: undefined } : await import('../smoke/run.js');
  const platform = state.options.smokePlatform ?? (enginePlatform ? await enginePlatform() : hostPlatform());
  const pinned = state.image ?? `${loaded.config.image.repository}@<the digest the build pushes>`;
  const plan = planSmoke({ loaded, pinned, ociName: basename(loaded.config.image.repository), platform, timeoutMs: state.options.smokeTimeoutMs })!;
  const line = describeSmoke(plan);
  if (!runSmoke) {
    state.smoke = { plan: line };
    report(line);
    return;
  }
  const result = await runSmoke(plan, report);
  state.smoke = { plan: line, result };
  state.done.push(`smoke run of ${result.platform}: ${result.path ?? `port ${result.port}`} answered`);
}
