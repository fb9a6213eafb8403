// Quick mode (`npm run bench -- --quick`, or SHIPLINE_BENCH_QUICK=1): one round of each
// measurement on small inputs, so a test can run every benchmark end to end in a minute or
// two. The figures it prints are real but not worth comparing; the full run is.
export const quick = process.env.SHIPLINE_BENCH_QUICK === '1';

/** `full` rounds, or 1 in quick mode. */
export const rounds = (full: number): number => (quick ? 1 : full);

/** `full` in a full run, `small` in quick mode (sizes, counts, durations). */
export const scaled = <T>(full: T, small: T): T => (quick ? small : full);
