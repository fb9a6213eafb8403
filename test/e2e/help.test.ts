// `shipline --help` and every command's --help, as a user reads them in a pipe (and so on a
// terminal of 100 columns): each fits on one screen and ends with 1 to 3 examples that name only
// options the command has.
import { describe, expect, it } from 'vitest';
import { shipline } from '../support/cli.js';

const maxLines = 40;
const maxColumns = 100;

async function help(path: string[]): Promise<string> {
  const result = await shipline([...path, '--help']);
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout;
}

/** The section of a help text under `Title:` (its indented lines). */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`${title}:`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l !== '' && !l.startsWith(' '));
  return lines.slice(start + 1, end < 0 ? undefined : end).filter((l) => l.trim() !== '');
}

/** Subcommand names listed under Commands: (not `help`). */
function subcommands(text: string): string[] {
  return section(text, 'Commands')
    .map((l) => /^ {2}(\S+)/.exec(l)?.[1])
    .filter((name): name is string => name !== undefined && name !== 'help');
}

/** Every command path, found through the help texts themselves, with its help. */
async function allHelp(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const visit = async (path: string[]) => {
    const text = await help(path);
    found.set(path.join(' '), text);
    await Promise.all(subcommands(text).map((name) => visit([...path, name])));
  };
  await visit([]);
  return found;
}

/** The options an example uses (`--name`, `-n`, `--name=value`); `-` (stdin) is a value. */
function flagsOf(example: string): string[] {
  return example.split(/\s+/).filter((t) => /^--?[A-Za-z]/.test(t)).map((t) => t.replace(/=.*$/, ''));
}

describe('help texts', async () => {
  const helps = await allHelp();

  it('cover the top level and every command and subcommand', () => {
    expect(helps.size).toBeGreaterThan(25);
    for (const path of ['', 'build', 'stack status', 'rollout canary', 'bundle import', 'check', 'lint']) expect(helps.has(path), path).toBe(true);
  });

  describe.each([...helps.keys()].map((path) => [path || '(top level)', path] as const))('%s', (_name, path) => {
    const text = helps.get(path)!;

    it(`fits on one screen: at most ${maxLines} lines of at most ${maxColumns} columns`, () => {
      const lines = text.trimEnd().split('\n');
      expect(lines.length, text).toBeLessThanOrEqual(maxLines);
      for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(maxColumns);
    });

    it('ends with 1 to 3 examples of this command that use only its options', () => {
      const examples = section(text, 'Examples');
      expect(examples.length, text).toBeGreaterThanOrEqual(1);
      expect(examples.length, text).toBeLessThanOrEqual(3);
      expect(text.trimEnd().endsWith(examples.at(-1)!), 'examples come last').toBe(true);
      const options = section(text, 'Options').flatMap((l) => [...l.matchAll(/(?:^|[\s,])(--?[A-Za-z][\w-]*)/g)].map((m) => m[1]!));
      const ownOptions = new Set([...options, '--help', '-h']);
      const names = subcommands(text);
      for (const line of examples) {
        // A shell line that runs this command (perhaps inside `source <(…)` or before `>`).
        const example = line.replace(/\s+# .*$/, '').trim();
        expect(example.startsWith('$ '), line).toBe(true);
        const invocation = new RegExp(`(?:^\\$ |[\\s(])shipline${path ? ` ${path}` : ''}(?=\\s|\\)|$)(.*)$`).exec(example);
        expect(invocation, `${line}: runs shipline ${path}`).not.toBeNull();
        const rest = invocation![1]!.split(/\s*(?:\)|>|\||&&|;)/)[0]!.trim();
        // A group's examples run its subcommands, whose help checks their options.
        if (names.length > 0 && names.includes(rest.split(' ')[0]!)) continue;
        for (const flag of flagsOf(rest)) expect(ownOptions.has(flag), `${line}: ${flag} is not an option of "${path}"`).toBe(true);
      }
    });
  });
});
