// Typed errors: one class per exit code of the design contract. Only the CLI entry
// maps them to exit codes and exits.

export const ExitCode = {
  ok: 0,
  external: 1,
  invalidInput: 2,
  precondition: 3,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class ShiplineError extends Error {
  abstract readonly exitCode: ExitCode;
  /** How to fix it, printed after the message. */
  readonly hint?: string;
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options?.hint;
  }
}

/** An outside system (a program, registry, cluster) failed. Exit 1. */
export class ExternalError extends ShiplineError {
  readonly exitCode = ExitCode.external;
}

/** A gate judged the new version bad and the rollout went back to the stable one. Exit 1. */
export class RolloutAbortedError extends ExternalError {}

/** The user's input or config is invalid; nothing was changed. Exit 2. */
export class InputError extends ShiplineError {
  readonly exitCode = ExitCode.invalidInput;
}

/** A precondition does not hold (missing CRD, wrong context, port taken...). Exit 3. */
export class PreconditionError extends ShiplineError {
  readonly exitCode = ExitCode.precondition;
}

/** The new image failed its smoke run on the Docker Engine (it exited, never listened, or failed its path). Exit 3. */
export class SmokeFailedError extends PreconditionError {}

export class InterruptedError extends ShiplineError {
  readonly exitCode = ExitCode.interrupted;
}

/**
 * Another error with more context (what was already done, which step) in its message: keeps
 * the original as its cause, and its exit code unless told otherwise. Not a re-made error of
 * the original's class: classes take different constructor arguments.
 */
export class ContextError extends ShiplineError {
  readonly exitCode: ExitCode;
  constructor(message: string, readonly original: ShiplineError, options: { hint?: string; exitCode?: ExitCode } = {}) {
    super(message, { hint: options.hint, cause: original });
    this.exitCode = options.exitCode ?? original.exitCode;
  }
}

export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof ShiplineError ? error.exitCode : ExitCode.external;
}

export function describeError(error: unknown): string {
  if (error instanceof ShiplineError) {
    return error.hint ? `${error.message}\n  fix: ${error.hint}` : error.message;
  }
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
