// Colour on a terminal only: NO_COLOR (any value) turns it off, FORCE_COLOR (other than
// 0 or false) turns it on, else a stream gets colour when it is a TTY and TERM is not dumb.
// Each stream decides for itself: `shipline … 2>log` keeps colour on stdout only.
import picocolors from 'picocolors';

type Colours = ReturnType<typeof picocolors.createColors>;

export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return !['0', 'false'].includes(env.FORCE_COLOR);
  return stream.isTTY === true && env.TERM !== 'dumb';
}

let cache: { stdout?: Colours; stderr?: Colours } = {};

/** picocolors' functions, on or off for this stream. */
export function colours(stream: 'stdout' | 'stderr'): Colours {
  return (cache[stream] ??= picocolors.createColors(colourWanted(process[stream])));
}

/** For tests that change the environment within one process. */
export function resetColours(): void {
  cache = {};
}

/** The colour of a status word (apply's created/configured/unchanged, a part up or down, …). */
export function statusWord(word: string, stream: 'stdout' | 'stderr' = 'stdout'): string {
  const c = colours(stream);
  if (/^(created|configured|deleted|up|ok|passed|ready|healthy|promoted|succeeded|done)$/i.test(word)) return c.green(word);
  if (/^(unchanged|skipped|pending|waiting|paused|not found)$/i.test(word)) return c.dim(word);
  if (/^(failed|down|error|aborted|unreachable|missing)$/i.test(word)) return c.red(word);
  if (/^(warning|degraded|rolled back)$/i.test(word)) return c.yellow(word);
  return word;
}

/** An error as cli.ts prints it: "shipline:" and the message, then the fix line. */
export function formatError(message: string, hint: string | undefined): string {
  const c = colours('stderr');
  return `${c.bold(c.red('shipline:'))} ${message}${hint ? `\n  ${c.yellow('fix:')} ${hint}` : ''}\n`;
}
