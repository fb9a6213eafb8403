// Ctrl-C as a request, not a crash: commands that can stop cleanly say so, and then the
// first SIGINT asks them to stop at the next safe point (between changes, never inside
// one); a second SIGINT, or a command that cannot stop cleanly, exits at once.
import { InterruptedError } from './errors.js';

const controller = new AbortController();
let cooperative = false;

/** Aborted once an interruption was asked for. */
export const interruption: AbortSignal = controller.signal;

/** The running command stops by itself at safe points when interrupted. */
export function stopsCleanlyOnInterrupt(): void {
  cooperative = true;
}

export function stopsCleanly(): boolean {
  return cooperative;
}

export function requestInterruption(): void {
  controller.abort();
}

/** Throws InterruptedError (exit 130) if an interruption was asked for. */
export function checkInterrupted(where: string, options: { hint?: string } = {}): void {
  if (interruption.aborted) throw new InterruptedError(`interrupted ${where}`, options);
}
