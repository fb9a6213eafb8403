// Lint in chunks (as the worker threads check them) gives exactly what one thread gives:
// the same findings in the same order, the same notes, counts and kinds, even when a
// VirtualService and the DestinationRule that defines its subsets land in different chunks.
import { describe, expect, it } from 'vitest';
import { checkParsed, lintChunk, lintManifests, mergeChunks, parseInputs, subsetsIn, subsetsOfParsed } from '../../manifests/lint.js';
import { chunksOf, lintThreads } from '../../scripts/commands/lint-pool.js';

const dr = (host: string) => `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: ${host} }\nspec:\n  host: ${host}\n  subsets: [{ name: v1, labels: { version: v1 } }]\n`;
const vs = (name: string, subset: string, extra = '') => `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: ${name} }\nspec:\n  hosts: [a]\n  http:\n  - route: [{ destination: { host: a, subset: ${subset} } }]\n${extra}`;
const inputs = Array.from({ length: 40 }, (_, i) => {
  const file = `f${String(i).padStart(2, '0')}.yaml`;
  if (i === 35) return { file, text: dr('a') };
  if (i % 7 === 0) return { file, text: vs(`bad-${i}`, 'v2', '  bogus: 1\n') };
  if (i % 5 === 0) return { file, text: `apiVersion: v1\nkind: Service\nmetadata: { name: s${i} }\n---\napiVersion: networking.istio.io/v1\nkind: Telemetry\nmetadata: { name: t${i} }\n` };
  if (i % 11 === 0) return { file, text: 'a: [1\n' };
  return { file, text: vs(`ok-${i}`, 'v1') };
});

describe('lint on several threads', () => {
  it('chunks merged in input order equal one thread, whatever the number of chunks', () => {
    const one = lintManifests(inputs);
    expect(one.findings.length).toBeGreaterThan(10);
    expect(one.findings.some((f) => f.message.includes('is not a subset of a'))).toBe(true);
    expect(one.skipped.some((n) => n.includes('not checked by lint'))).toBe(true);
    const subsets = subsetsIn(inputs);
    for (const count of [2, 3, 7, 40]) {
      const chunks = chunksOf(inputs, count);
      expect(chunks).toHaveLength(count);
      expect(chunks.flat()).toEqual(inputs);
      expect(mergeChunks(inputs, chunks.map((c) => lintChunk(c, {}, subsets)))).toEqual(one);
    }
  });

  it('chunks parsed once, then checked against the subsets every chunk told, equal one thread', () => {
    const one = lintManifests(inputs);
    for (const count of [2, 3, 7, 40]) {
      const parsed = chunksOf(inputs, count).map((c) => parseInputs(c));
      const subsets = [...new Map(parsed.flatMap((p) => subsetsOfParsed(p)))];
      expect(subsets).toEqual(subsetsIn(inputs));
      expect(mergeChunks(inputs, parsed.map((p) => checkParsed(p, {}, subsets)))).toEqual(one);
    }
  });

  it('uses one thread for small inputs, one more per 5,000 files up to one per core, or SHIPLINE_LINT_THREADS', () => {
    expect(lintThreads(1, {}, 8)).toBe(1);
    expect(lintThreads(4999, {}, 8)).toBe(1);
    expect(lintThreads(12_000, {}, 2)).toBe(2);
    expect(lintThreads(12_000, {}, 8)).toBe(3);
    expect(lintThreads(100_000, {}, 8)).toBe(8);
    expect(lintThreads(3000, { SHIPLINE_LINT_THREADS: '1' }, 8)).toBe(1);
    expect(lintThreads(1, { SHIPLINE_LINT_THREADS: '4' }, 8)).toBe(1);
  });
});
