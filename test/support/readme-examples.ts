// The README's examples, as the README-examples test runs them. In README.md:
//
//   <!-- example-file: shipline.yaml -->   the fenced block after it is written to that file
//   <!-- example -->                       the ```console block after it holds `$ shipline …`
//                                          lines, each followed by its standard output
//   <!-- example exit=2 -->                the same, for commands that exit 2: the lines after
//                                          each command are its standard output, then its
//                                          standard error (as a terminal shows them)
//
// Files and examples belong to the section (heading) they are in: each section runs in its
// own fresh copy of the project, in the order they appear. In expected output, these
// placeholders stand for the parts that change from run to run:
//   <digest>   64 hex digits (write sha256:<digest>)
//   <time>     an ISO 8601 time, e.g. 2026-11-26T22:39:25.123Z
//   <duration> a duration such as 12 ms, 1.4 s, 850ms
//   <version>  a version such as 1.2.3, v0.34.2 or 20.10.24+dfsg1
//   <project>  the folder of the project copy the example runs in
//   <cache>    shipline's cache folder: $SHIPLINE_CACHE, else ~/.cache/shipline
//   ~/         the home directory

export interface ExampleCommand {
  command: string;
  expected: string;
  exitCode: number;
  /** 1-based line of the `$ ` line in the README. */
  line: number;
}

export type ExampleStep =
  | { kind: 'file'; path: string; content: string; line: number }
  | { kind: 'commands'; commands: ExampleCommand[]; line: number };

export interface ExampleSection {
  heading: string;
  steps: ExampleStep[];
}

export interface ParsedReadme {
  sections: ExampleSection[];
  /** console blocks with `$ shipline` lines that carry no example marker (so nothing checks them). */
  unmarked: number[];
}

const marker = /^<!--\s*example(?:-file:\s*(\S+)|((?:\s+exit=\d+)?))\s*-->\s*$/;

export function parseReadme(text: string): ParsedReadme {
  const lines = text.split('\n');
  const sections: ExampleSection[] = [];
  const unmarked: number[] = [];
  let section: ExampleSection = { heading: '(top)', steps: [] };
  let pending: { file?: string; exitCode?: number; line: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      if (section.steps.length > 0) sections.push(section);
      section = { heading: heading[1]!, steps: [] };
      continue;
    }
    const mark = marker.exec(line.trim());
    if (mark) {
      pending = mark[1] ? { file: mark[1], line: i + 1 } : { exitCode: Number(/exit=(\d+)/.exec(mark[2] ?? '')?.[1] ?? 0), line: i + 1 };
      continue;
    }
    const fence = /^(```+)\s*(\S*)/.exec(line);
    if (!fence) {
      if (pending && line.trim() !== '') throw new Error(`README.md:${pending.line}: an example marker must be followed by a fenced block`);
      continue;
    }
    const end = lines.findIndex((l, j) => j > i && l.startsWith(fence[1]!) && l.trim() === fence[1]);
    if (end < 0) throw new Error(`README.md:${i + 1}: a fenced block that is never closed`);
    const body = lines.slice(i + 1, end);
    if (pending?.file !== undefined) {
      section.steps.push({ kind: 'file', path: pending.file, content: `${body.join('\n')}\n`, line: pending.line });
    } else if (pending) {
      if (fence[2] !== 'console') throw new Error(`README.md:${i + 1}: an example is a \`\`\`console block`);
      section.steps.push({ kind: 'commands', commands: consoleCommands(body, i + 2, pending.exitCode ?? 0), line: pending.line });
    } else if (fence[2] === 'console' && body.some((l) => l.startsWith('$ shipline'))) {
      unmarked.push(i + 1);
    }
    pending = undefined;
    i = end;
  }
  if (section.steps.length > 0) sections.push(section);
  return { sections, unmarked };
}

function consoleCommands(body: string[], firstLine: number, exitCode: number): ExampleCommand[] {
  const commands: ExampleCommand[] = [];
  body.forEach((l, j) => {
    if (l.startsWith('$ ')) commands.push({ command: l.slice(2), expected: '', exitCode, line: firstLine + j });
    else if (commands.length === 0) throw new Error(`README.md:${firstLine + j}: an example block starts with a \`$ \` line`);
    else commands.at(-1)!.expected += `${l}\n`;
  });
  if (commands.length === 0) throw new Error(`README.md:${firstLine}: an example block without a \`$ \` line`);
  return commands;
}

const placeholders: Record<string, string> = {
  '<digest>': '[0-9a-f]{64}',
  '<time>': '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?(?:Z|[+-]\\d\\d:\\d\\d)',
  '<duration>': '\\d+(?:\\.\\d+)? ?(?:ms|s|m)',
  '<version>': 'v?\\d+(?:\\.\\d+)+[\\w.+~-]*',
};

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether actual output matches the README's expected output, placeholders allowed. Trailing blanks do not count. */
export function matchesExample(expected: string, actual: string, where: { project: string; home: string; cache: string }): boolean {
  const tidy = (text: string) => text.split('\n').map((l) => l.trimEnd()).join('\n').trimEnd();
  const pattern = tidy(expected)
    .split(/(<digest>|<time>|<duration>|<version>|<project>|<cache>|(?<![\w/.-])~\/)/)
    .map((part) => {
      if (Object.hasOwn(placeholders, part)) return placeholders[part];
      if (part === '<project>') return escape(where.project);
      if (part === '<cache>') return escape(where.cache);
      if (part === '~/') return `${escape(where.home)}/`;
      return escape(part);
    })
    .join('');
  return new RegExp(`^${pattern}$`).test(tidy(actual));
}
