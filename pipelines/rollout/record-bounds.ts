// Keeps a release record small enough for its ConfigMap (1 MiB for all its data, the manifests
// included) however long a rollout runs: the checks' evidence and the server diff are bounded.
// Pure.
import type { Check } from './analysis-verdict.js';
import type { Provenance, Release } from './history.js';

/** Bytes of JSON the checks of one release may take. */
export const checksBudget = 96 * 1024;
/** Characters of the server diff a release keeps. */
export const diffBudget = 32 * 1024;

function size(checks: readonly Check[]): number {
  return Buffer.byteLength(JSON.stringify(checks));
}

/**
 * The checks with `added` appended, within the budget: the oldest passing checks go first (the
 * failures are what a reviewer needs), then the oldest of any outcome; the last one always stays.
 */
export function boundedChecks(release: Pick<Release, 'checks' | 'checksOmitted'>, added: readonly Check[], budget = checksBudget): Pick<Release, 'checks' | 'checksOmitted'> {
  const checks = [...(release.checks ?? []), ...added];
  let omitted = release.checksOmitted ?? 0;
  while (checks.length > 1 && size(checks) > budget) {
    const pass = checks.findIndex((c) => c.outcome === 'pass');
    checks.splice(pass >= 0 && pass < checks.length - 1 ? pass : 0, 1);
    omitted += 1;
  }
  return omitted > 0 ? { checks, checksOmitted: omitted } : { checks };
}

/** A diff cut to the budget, saying how much was left out. */
export function boundedDiff(diff: string, budget = diffBudget): string {
  if (diff.length <= budget) return diff;
  const cut = diff.lastIndexOf('\n', budget);
  const kept = diff.slice(0, cut > 0 ? cut : budget);
  return `${kept}\n… ${diff.length - kept.length} more characters of the diff not kept in the release record\n`;
}

/** What the release pipeline hands the record, its diff bounded. */
export function boundedProvenance(provenance: Provenance | undefined): Pick<Release, 'provenance'> {
  if (!provenance) return {};
  return { provenance: { ...provenance, ...(provenance.diff ? { diff: boundedDiff(provenance.diff) } : {}) } };
}
