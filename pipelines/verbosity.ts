// -v/--verbose and --quiet, set once by the CLI entry: `progress` lines (what a command is
// doing) go to stderr unless quiet; `detail` lines (the programs run, the requests sent)
// only when verbose. Results go to stdout and errors to stderr whatever the level.
export type Verbosity = 'quiet' | 'normal' | 'verbose';

let level: Verbosity = 'normal';

export function setVerbosity(value: Verbosity): void {
  level = value;
}

export function verbosity(): Verbosity {
  return level;
}

export function progress(line: string): void {
  if (level !== 'quiet') process.stderr.write(`${line}\n`);
}

export function detail(line: string): void {
  if (level === 'verbose') process.stderr.write(`${line}\n`);
}
