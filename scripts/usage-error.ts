// A usage error (unknown option or command, missing value, …) as ONE line: commander's
// message with its suggestion, and where to read the command's help, instead of the help.
import type { Command, CommanderError } from 'commander';

/** Codes whose output commander already wrote (help, version): nothing more to print. */
const silent = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/** The deepest command the arguments name, e.g. [rollout, canary]. */
export function commandPath(program: Command, args: readonly string[]): Command[] {
  const path: Command[] = [];
  let current = program;
  for (const arg of args) {
    if (arg.startsWith('-')) continue;
    const next = current.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!next) continue;
    path.push(next);
    current = next;
  }
  return path;
}

export function commanderErrorLine(program: Command, args: readonly string[], error: CommanderError): string | undefined {
  if (silent.has(error.code)) return undefined;
  const [first = '', ...rest] = error.message.replace(/^error: /, '').split('\n');
  // "(Did you mean --force?)" on the next line becomes part of this one.
  const suggestion = rest.join(' ').trim().replace(/^\((.*)\)$/, '$1');
  const names = commandPath(program, args).map((c) => c.name());
  const help = ['shipline', ...names, '--help'].join(' ');
  return `${first}${suggestion ? `; ${suggestion.charAt(0).toLowerCase()}${suggestion.slice(1)}` : ''} (see ${help})`;
}

interface CommanderInternals {
  unknownOption(flag: string): never;
}

/**
 * Commander reports a missing required option before an unknown one; a mistyped option
 * (`--imgae`) is the likelier cause, so it is reported instead, with its suggestion.
 */
export function preferUnknownOption(program: Command, args: readonly string[], error: CommanderError): CommanderError {
  if (error.code !== 'commander.missingMandatoryOptionValue') return error;
  const path = commandPath(program, args);
  const leaf = path.at(-1);
  if (!leaf) return error;
  const known = new Set([program, ...path].flatMap((c) => [...c.options, c.createHelp().visibleOptions(c)].flat().flatMap((o) => [o.short, o.long])));
  const unknown = args.find((arg) => arg.startsWith('-') && arg !== '-' && arg !== '--' && !known.has(arg.split('=')[0]));
  if (!unknown) return error;
  try {
    (leaf as unknown as CommanderInternals).unknownOption(unknown.split('=')[0]!);
  } catch (thrown) {
    return thrown as CommanderError;
  }
  return error;
}
