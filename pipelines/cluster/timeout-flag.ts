// A --timeout flag: whole seconds (as kubectl's older flags take them) or a duration such as 90s or 2m.
import { durationMs } from '../model/duration.js';
import { InputError } from '../errors.js';

export function parseTimeoutFlag(text: string, flag = '--timeout'): number {
  const trimmed = text.trim();
  const milliseconds = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) * 1000 : durationMs(trimmed);
  if (milliseconds === undefined || !Number.isFinite(milliseconds) || milliseconds <= 0) {
    throw new InputError(`${flag} ${text}: not a positive number of seconds or a duration`, { hint: `e.g. ${flag} 120 or ${flag} 2m` });
  }
  return milliseconds;
}
