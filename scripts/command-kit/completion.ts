// Shell completion scripts generated from the commander program itself, so they list
// exactly the commands and options shipline has: commands, then options after "-",
// the choices of options that have some (--api, -o), and files for other values.
import type { Command, Option } from 'commander';

export const shells = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof shells)[number];

interface OptionSpec {
  short?: string;
  long?: string;
  description: string;
  takesValue: boolean;
  choices?: readonly string[];
}

interface CommandNode {
  /** "" for the program, "/rollout/canary" for `rollout canary`. */
  path: string;
  subcommands: { name: string; description: string }[];
  options: OptionSpec[];
}

function optionSpec(option: Option): OptionSpec {
  return {
    short: option.short,
    long: option.long,
    description: option.description,
    // An optional value is completed only when it has choices (--dry-run [mode]); a
    // free one (--bundle [file]) is not taken from the next word.
    takesValue: option.required || (option.optional && option.argChoices !== undefined),
    choices: option.argChoices,
  };
}

/** Every command of the program, with its options and the program's own options (-v, -q work after a command too). */
export function commandTree(program: Command): CommandNode[] {
  const help = program.createHelp();
  const global = help.visibleOptions(program).filter((o) => o.long !== '--version' && o.long !== '--help').map(optionSpec);
  const nodes: CommandNode[] = [];
  const visit = (command: Command, path: string) => {
    const own = help.visibleOptions(command).map(optionSpec);
    const extra = path === '' ? [] : global.filter((g) => !own.some((o) => o.long === g.long || (g.short && o.short === g.short)));
    const subcommands = help.visibleCommands(command).map((c) => ({ name: c.name(), description: c.summary() || c.description().split(/[;:]\s|\.\s|\.$/)[0]! }));
    // A first argument with choices (completion <shell>) completes like a subcommand.
    const argument = command.registeredArguments[0];
    for (const choice of argument?.argChoices ?? []) subcommands.push({ name: choice, description: argument!.description });
    nodes.push({ path, subcommands, options: [...own, ...extra] });
    for (const sub of command.commands) visit(sub, `${path}/${sub.name()}`);
  };
  visit(program, '');
  return nodes;
}

const flagsOf = (o: OptionSpec) => [o.short, o.long].filter((f): f is string => f !== undefined);
const shellWord = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** `path word` pairs where word is an option taking a value, as shell case patterns. */
function valueCases(nodes: CommandNode[], filter: (o: OptionSpec) => boolean): string[] {
  return nodes.flatMap((n) => n.options.filter((o) => o.takesValue && filter(o)).flatMap((o) => flagsOf(o).map((f) => `"${n.path} ${f}"`)));
}

function choiceCases(nodes: CommandNode[]): { pattern: string; choices: readonly string[] }[] {
  return nodes.flatMap((n) => n.options.filter((o) => o.takesValue && o.choices).map((o) => ({ pattern: flagsOf(o).map((f) => `"${n.path} ${f}"`).join('|'), choices: o.choices! })));
}

const commandPaths = (nodes: CommandNode[]) => nodes.filter((n) => n.path !== '').map((n) => `"${n.path}"`).join('|');

/** `_shipline_takes_value CMDPATH WORD`: whether WORD is an option of the command that takes a value (bash and zsh). */
function takesValueFunction(nodes: CommandNode[]): string[] {
  const takesValue = valueCases(nodes, () => true);
  return [
    '_shipline_takes_value() {',
    '  case "$1 $2" in',
    ...(takesValue.length ? [`    ${takesValue.join('|')}) return 0 ;;`] : []),
    '  esac',
    '  return 1',
    '}',
  ];
}

function bash(nodes: CommandNode[]): string {
  const lines = [
    '# shipline completion for bash. Load it with: source <(shipline completion bash)',
    ...takesValueFunction(nodes),
    '_shipline() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="" cmdpath="" word i',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    word="${COMP_WORDS[i]}"',
    '    if _shipline_takes_value "$cmdpath" "$word"; then ((i++)); continue; fi',
    '    case "$cmdpath/$word" in',
    `      ${commandPaths(nodes)}) cmdpath="$cmdpath/$word" ;;`,
    '    esac',
    '  done',
    '  ((COMP_CWORD > 1)) && prev="${COMP_WORDS[COMP_CWORD-1]}"',
    '  COMPREPLY=()',
    '  if _shipline_takes_value "$cmdpath" "$prev"; then',
    '    case "$cmdpath $prev" in',
    ...choiceCases(nodes).map((c) => `      ${c.pattern}) COMPREPLY=($(compgen -W ${shellWord(c.choices.join(' '))} -- "$cur")) ;;`),
    '      *) COMPREPLY=($(compgen -f -- "$cur")) ;;',
    '    esac',
    '    return 0',
    '  fi',
    '  local commands="" options=""',
    '  case "$cmdpath" in',
    ...nodes.map((n) => `    "${n.path}") commands=${shellWord(n.subcommands.map((s) => s.name).join(' '))}; options=${shellWord(n.options.flatMap(flagsOf).join(' '))} ;;`),
    '  esac',
    '  if [[ "$cur" == -* ]]; then',
    '    COMPREPLY=($(compgen -W "$options" -- "$cur"))',
    '  elif [[ -n "$commands" ]]; then',
    '    COMPREPLY=($(compgen -W "$commands" -- "$cur"))',
    '  fi',
    '  return 0',
    '}',
    // -o default: file names where shipline offers nothing (a command's file arguments).
    'complete -o default -F _shipline shipline',
  ];
  return `${lines.join('\n')}\n`;
}

const zshItem = (name: string, description: string) => shellWord(`${name.replaceAll(':', '\\:')}:${description.replaceAll('\n', ' ')}`);

function zsh(nodes: CommandNode[]): string {
  const lines = [
    '#compdef shipline',
    '# shipline completion for zsh. Load it with: source <(shipline completion zsh)',
    '# (or save it as _shipline in a folder of $fpath).',
    ...takesValueFunction(nodes),
    '_shipline() {',
    '  local cmdpath="" word prev="" i',
    '  local -a candidates',
    '  for ((i = 2; i < CURRENT; i++)); do',
    '    word="${words[i]}"',
    '    if _shipline_takes_value "$cmdpath" "$word"; then ((i++)); continue; fi',
    '    case "$cmdpath/$word" in',
    `      ${commandPaths(nodes)}) cmdpath="$cmdpath/$word" ;;`,
    '    esac',
    '  done',
    '  ((CURRENT > 2)) && prev="${words[CURRENT-1]}"',
    '  if _shipline_takes_value "$cmdpath" "$prev"; then',
    '    case "$cmdpath $prev" in',
    ...choiceCases(nodes).map((c) => `      ${c.pattern}) compadd -- ${c.choices.map(shellWord).join(' ')} ;;`),
    '      *) _files ;;',
    '    esac',
    '    return',
    '  fi',
    '  if [[ "${words[CURRENT]}" == -* ]]; then',
    '    case "$cmdpath" in',
    ...nodes.map((n) => `      "${n.path}") candidates=(${n.options.flatMap((o) => flagsOf(o).map((f) => zshItem(f, o.description))).join(' ')}) ;;`),
    '    esac',
    "    _describe 'option' candidates",
    '    return',
    '  fi',
    '  case "$cmdpath" in',
    ...nodes.filter((n) => n.subcommands.length > 0).map((n) => `    "${n.path}") candidates=(${n.subcommands.map((s) => zshItem(s.name, s.description)).join(' ')}) ;;`),
    '    *) _files; return ;;',
    '  esac',
    "  _describe 'command' candidates",
    '}',
    'compdef _shipline shipline',
  ];
  return `${lines.join('\n')}\n`;
}

const fishWord = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', ' ')}'`;

function fish(nodes: CommandNode[]): string {
  const takesValue = nodes.flatMap((n) => n.options.filter((o) => o.takesValue).flatMap((o) => flagsOf(o).map((f) => `'${n.path} ${f}'`)));
  const lines = [
    '# shipline completion for fish. Load it with: shipline completion fish | source',
    '# (or save it as ~/.config/fish/completions/shipline.fish).',
    'function __shipline_path',
    '    set -l tokens (commandline -opc)',
    '    set -e tokens[1]',
    '    set -l cmdpath ""',
    '    set -l skip 0',
    '    for word in $tokens',
    '        if test $skip = 1',
    '            set skip 0',
    '            continue',
    '        end',
    '        switch "$cmdpath $word"',
    ...(takesValue.length ? [`            case ${takesValue.join(' ')}`, '                set skip 1', '                continue'] : []),
    '        end',
    '        switch "$cmdpath/$word"',
    `            case ${nodes.filter((n) => n.path !== '').map((n) => `'${n.path}'`).join(' ')}`,
    '                set cmdpath "$cmdpath/$word"',
    '        end',
    '    end',
    '    echo $cmdpath',
    'end',
    'function __shipline_at',
    '    test (__shipline_path) = "$argv[1]"',
    'end',
    'complete -c shipline -f',
  ];
  for (const node of nodes) {
    const at = `-n '__shipline_at "${node.path}"'`;
    for (const sub of node.subcommands) lines.push(`complete -c shipline ${at} -a ${fishWord(sub.name)} -d ${fishWord(sub.description)}`);
    for (const option of node.options) {
      const names = [option.short ? `-s ${option.short.slice(1)}` : '', option.long ? `-l ${option.long.slice(2)}` : ''].filter(Boolean).join(' ');
      const value = !option.takesValue ? '' : option.choices ? ` -x -a ${fishWord(option.choices.join(' '))}` : ' -r -F';
      lines.push(`complete -c shipline ${at} ${names}${value} -d ${fishWord(option.description)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(shell: Shell, program: Command): string {
  const nodes = commandTree(program);
  return shell === 'bash' ? bash(nodes) : shell === 'zsh' ? zsh(nodes) : fish(nodes);
}
