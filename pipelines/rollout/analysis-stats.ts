// The statistics of the verdict against the stable version. Pure; the distributions come from
// stdlib (binomial log-PMF, normal quantile, Kruskal-Wallis, which for two groups is the
// two-sided Mann-Whitney U test with its tie correction).
//
// Error rate: a sequential probability ratio test on the 5xx answers. Between two checks, given
// that E answers were 5xx, the number from the new version is binomial (Poisson model of rare
// errors): with probability π0 = its share of the requests when both versions fail alike (H0),
// π1 when the new one fails maxDrop points more often than the stable one (H1). The log
// likelihood ratio of all checks of the rollout adds up. A test tuned to maxDrop alone gathers
// evidence slowly against a version far worse than that, so H1 is a mixture: maxDrop (weight ⅘)
// and 2, 4, 8, 16 and 32 times it (⅕ shared). The mixture's likelihood ratio reaching 1/α is the
// evidence that aborts. Under H0 it is a martingale, so by Ville's inequality a version as good
// as the stable one is aborted with probability at most α however often it is checked.
import logpmf from '@stdlib/stats-base-dists-binomial-logpmf';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import kruskalTest from '@stdlib/stats-kruskal-test';
import type { Bucket } from './analysis-counts.js';

export interface Tally {
  requests: number;
  errors: number;
}

/** A version's error rate, with half an error and one request added so 0 of n is not certainty. */
export function smoothedRate(t: Tally): number {
  return (t.errors + 0.5) / (t.requests + 1);
}

/**
 * The log likelihood ratio (H1 against H0) of the errors between two checks.
 * `newer`/`stable`: the counts that arrived since the previous check; `stableRate`: the stable
 * version's error rate (as a fraction) that H1 adds `drop` (a fraction) to.
 */
export function errorLogLikelihoodRatio(newer: Tally, stable: Tally, stableRate: number, drop: number): number {
  const errors = newer.errors + stable.errors;
  if (errors === 0 || newer.requests === 0 || stable.requests === 0) return 0;
  const pi0 = newer.requests / (newer.requests + stable.requests);
  const worse = Math.min(1, stableRate + drop);
  const pi1 = (newer.requests * worse) / (newer.requests * worse + stable.requests * stableRate);
  return logpmf(newer.errors, errors, pi1) - logpmf(newer.errors, errors, pi0);
}

/** The alternatives of the mixture, as multiples of maxDrop, and their weights. */
export const dropMultiples = [1, 2, 4, 8, 16, 32];
const weights = dropMultiples.map((_, i) => (i === 0 ? 0.8 : 0.2 / (dropMultiples.length - 1)));

/** Log likelihood ratios of the mixture's alternatives, added up check after check. */
export function addEvidence(llrs: readonly number[], newer: Tally, stable: Tally, stableRate: number, drop: number): number[] {
  return dropMultiples.map((m, i) => (llrs[i] ?? 0) + errorLogLikelihoodRatio(newer, stable, stableRate, drop * m));
}

/** The mixture's log likelihood ratio from its alternatives'. */
export function mixtureLogLikelihoodRatio(llrs: readonly number[]): number {
  if (llrs.length === 0) return 0;
  const top = Math.max(...llrs);
  return top + Math.log(llrs.reduce((sum, l, i) => sum + weights[i]! * Math.exp(l - top), 0));
}

/** The log likelihood ratio at or above which the new version is worse (ln 1/α). */
export function abortThreshold(significance: number): number {
  return Math.log(1 / significance);
}

/**
 * Requests of the new version a fixed-size test of two proportions needs to catch a drop of
 * `drop` with the given power at the significance level, when the stable version fails at
 * `stableRate` and gets `ratio` requests for each of the new version's.
 */
export function requestsToCatchDrop(stableRate: number, drop: number, ratio: number, significance: number, power: number): number {
  const z = normalQuantile(1 - significance, 0, 1) + normalQuantile(power, 0, 1);
  const p0 = stableRate;
  const p1 = Math.min(0.999, p0 + drop);
  return Math.ceil((z * z * (p1 * (1 - p1) + (p0 * (1 - p0)) / Math.max(ratio, 1e-3))) / (drop * drop));
}

/** Spread assumed for answer times (σ of their logarithm) when sizing the latency test. */
const assumedLogSpread = 0.5;

/**
 * Requests of the new version the Mann-Whitney test needs (Noether's formula) to catch answer
 * times longer by `increase` percent, for log-normal answer times of spread σ = 0.5.
 */
export function requestsToCatchSlowdown(increase: number, ratio: number, significance: number, power: number): number {
  const z = normalQuantile(1 - significance, 0, 1) + normalQuantile(power, 0, 1);
  // P(a new answer is slower than a stable one) − ½, for log-normal times shifted by ln(1 + increase).
  const shift = normalCdf(Math.log(1 + increase / 100) / (assumedLogSpread * Math.SQRT2), 0, 1) - 0.5;
  const stableShare = ratio / (1 + ratio);
  return Math.ceil((z * z) / (12 * Math.max(stableShare, 1e-3) * shift * shift));
}

/** The requests in each bucket (not cumulative), by ascending upper bound. */
export function bucketCounts(buckets: readonly Bucket[]): number[] {
  return buckets.map((b, i) => Math.max(0, b.count - (i > 0 ? buckets[i - 1]!.count : 0)));
}

/** A quantile of a histogram, interpolated within its bucket (as histogram_quantile does); seconds. */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | undefined {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  for (const [i, b] of buckets.entries()) {
    if (b.count < rank) continue;
    const lower = i > 0 ? buckets[i - 1]! : { le: 0, count: 0 };
    if (b.le === Infinity) return lower.le;
    const inBucket = b.count - lower.count;
    return inBucket === 0 ? b.le : lower.le + ((b.le - lower.le) * (rank - lower.count)) / inBucket;
  }
  return buckets.at(-1)?.le;
}

/** The mean answer time estimated from a histogram (each bucket at its middle), seconds. */
export function histogramMean(buckets: readonly Bucket[]): number | undefined {
  const counts = bucketCounts(buckets);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  let sum = 0;
  counts.forEach((c, i) => {
    const low = i > 0 ? buckets[i - 1]!.le : 0;
    const high = buckets[i]!.le === Infinity ? low : buckets[i]!.le;
    sum += c * ((low + high) / 2);
  });
  return sum / total;
}

export interface RankTest {
  /** One-sided p-value of "the new version's answers are slower". */
  pValue: number;
  /** Mann-Whitney U of the new version (ties count half). */
  u: number;
}

/**
 * The Mann-Whitney U test on two histograms with the same bucket bounds: each request is
 * ranked by its bucket (requests in one bucket tie). stdlib's Kruskal-Wallis test of the two
 * groups is the two-sided test; its p-value is halved in the direction U points to.
 */
export function rankTest(newer: readonly Bucket[], stable: readonly Bucket[]): RankTest | undefined {
  const a = bucketCounts(newer);
  const b = bucketCounts(stable);
  const na = a.reduce((x, y) => x + y, 0);
  const nb = b.reduce((x, y) => x + y, 0);
  if (na === 0 || nb === 0 || a.length !== b.length) return undefined;
  let below = 0;
  let u = 0;
  a.forEach((count, i) => {
    u += count * (below + b[i]! / 2);
    below += b[i]!;
  });
  const distinct = a.filter((c, i) => c + b[i]! > 0).length;
  if (distinct < 2) return { pValue: 1, u };
  const expand = (counts: number[]) => counts.flatMap((c, i) => Array<number>(c).fill(i));
  const twoSided = kruskalTest(expand(a), expand(b)).pValue;
  return { pValue: u > (na * nb) / 2 ? twoSided / 2 : 1 - twoSided / 2, u };
}
