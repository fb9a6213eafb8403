// Durations both Istio (Go/CEL durations) and Gateway API (GEP-2257) accept: 1 to 4
// groups of up to 5 digits with h, m, s or ms, e.g. 5s, 500ms, 1m30s.
export const durationPattern = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;

const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Milliseconds of a duration that matches durationPattern, else undefined. */
export function durationMs(text: string): number | undefined {
  if (!durationPattern.test(text)) return undefined;
  let total = 0;
  for (const [, digits, unit] of text.matchAll(/([0-9]+)(ms|h|m|s)/g)) total += Number(digits) * unitMs[unit!]!;
  return total;
}
