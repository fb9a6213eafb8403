// `--dry-run[=client|server|none]` as kubectl spells it: a bare --dry-run is client. What
// each mode does is the command's (README, command table):
//   none    the command runs for real;
//   client  plan only, on this machine: print what would be done, change nothing;
//   server  also ask the servers that would be changed to check it (apply: a server-side
//           dry run), still changing nothing.
// A command refuses a mode it has no meaning for, with the modes it has.
import { Option } from 'commander';
import { InputError } from '../../pipelines/errors.js';

export const dryRunModes = ['client', 'server', 'none'] as const;
export type DryRunMode = (typeof dryRunModes)[number];

export function dryRunOption(description: string): Option {
  return new Option('--dry-run [mode]', `${description} (client|server|none; bare: client)`).choices(dryRunModes);
}

/** The mode of the flag's value: absent → none, bare → client; refuses modes the command does not offer. */
export function dryRunMode(value: string | boolean | undefined, offered: readonly DryRunMode[], command: string, why: string): DryRunMode {
  const mode: DryRunMode = value === undefined || value === false ? 'none' : value === true ? 'client' : (value as DryRunMode);
  if (!offered.includes(mode)) {
    throw new InputError(`--dry-run=${mode}: ${command} has no ${mode} dry run (${why})`, {
      hint: `use ${offered.filter((m) => m !== 'none').map((m) => `--dry-run=${m}`).join(' or ')}`,
    });
  }
  return mode;
}

/**
 * kubectl takes a bare --dry-run without eating the next word (`--dry-run FILE`); commander
 * would take FILE as the mode. A bare --dry-run not followed by a mode becomes --dry-run=client.
 */
export function bareDryRun(args: readonly string[]): string[] {
  return args.map((arg, i) => (arg === '--dry-run' && !(dryRunModes as readonly string[]).includes(args[i + 1] ?? '') ? '--dry-run=client' : arg));
}
