// The commands a build runs, as a shell takes them: builder set-up, then (in the config's
// folder, when that is not the current one) each pass with its environment. What
// `build --dry-run` and `release --dry-run` print.
import { resolve } from 'node:path';
import { quoteArgv } from '../adapters/process.js';
import type { BuildResult } from './run.js';

export function commandLines(result: Pick<BuildResult, 'builderCommands' | 'cwd' | 'plan'>, cwd: string): string[] {
  const withEnv = (env: Record<string, string>, argv: string[]) =>
    [...Object.entries(env).map(([k, v]) => quoteArgv([`${k}=${v}`])), quoteArgv(argv)].join(' ');
  return [
    ...result.builderCommands.map((argv) => quoteArgv(argv)),
    ...(resolve(result.cwd) === resolve(cwd) ? [] : [quoteArgv(['cd', result.cwd])]),
    ...result.plan.passes.map((pass) => withEnv(pass.env, pass.argv)),
    // Not a command: shipline's own registry request after the push (race-free tagging).
    ...(result.plan.push && result.plan.tagging === 'shipline'
      ? [`# then shipline tags ${result.plan.imageRef} with the pushed index's digest (registry API; never moves an existing tag)`]
      : []),
    ...(result.plan.ociFromPush
      ? [`# then shipline writes ${result.plan.ociPath} from the pushed index (registry API), attestations included`]
      : []),
  ];
}
