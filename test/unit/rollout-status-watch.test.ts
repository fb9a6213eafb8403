// `rollout status --watch`: which versions are shown, how their traffic reads, and the
// refresh: in place on a terminal, plain blocks without one, one JSON object per line.
import { describe, expect, it } from 'vitest';
import { statusSubsets, type TrafficReport } from '../../pipelines/rollout/status-traffic.js';
import { formatTraffic, redraw, watchStatus, type WatchedStatus } from '../../pipelines/rollout/status-watch.js';

const traffic: TrafficReport = {
  provider: 'traefik',
  prometheus: 'http://127.0.0.1:9090',
  window: '30s',
  versions: [
    { subset: 'v1', requestRate: 45.04, requests: 1351, successRate: 100, p99: 0.0123 },
    { subset: 'v2', requestRate: 5, requests: 150, successRate: 80, p99: 1.5 },
    { subset: 'v3', requestRate: 0, requests: 0 },
  ],
};

function status(n: number): WatchedStatus {
  return {
    route: 'link',
    api: 'gateway.networking.k8s.io/v1',
    stable: 'v1',
    weights: [
      { rule: 0, destination: 'link-v1', weight: 90 - n },
      { rule: 0, destination: 'link-v2', weight: 10 + n },
    ],
    versions: [],
    observedAt: `2026-11-26T20:00:0${n}.000Z`,
    traffic,
  };
}

describe('status traffic', () => {
  it('shows the versions the route sends to (Service names back to subsets), then the release being rolled out', () => {
    const s = { weights: [{ rule: 0, destination: 'link-v1', weight: 100 }], current: { subset: 'v2', previous: 'v1' } as never };
    expect(statusSubsets(s, 'link', 'gateway-api')).toEqual(['v1', 'v2']);
    expect(statusSubsets({ weights: [{ rule: 0, destination: 'v1', weight: 100 }] }, 'link', 'istio')).toEqual(['v1']);
  });

  it('reads as aligned rows of rate, success rate and p99, or says why the numbers are missing', () => {
    expect(formatTraffic(traffic)).toEqual([
      'traffic  v1  45.0 req/s  100.00% ok  p99 12ms',
      'traffic  v2   5.0 req/s   80.00% ok  p99 1.5s',
      'traffic  v3   0.0 req/s           -     p99 -',
      '         (traefik metrics over the last 30s, from http://127.0.0.1:9090)',
    ]);
    expect(formatTraffic({ ...traffic, error: 'Prometheus at http://127.0.0.1:9090 did not answer: no answer within 5000 ms' })).toEqual([
      'traffic  unknown: Prometheus at http://127.0.0.1:9090 did not answer: no answer within 5000 ms',
    ]);
    expect(formatTraffic({ ...traffic, versions: [] })).toEqual(['traffic  none: the route sends to no version yet']);
  });
});

async function watch(isTTY: boolean, json: boolean): Promise<{ text: string; slept: number[] }> {
  let text = '';
  const slept: number[] = [];
  let n = 0;
  await watchStatus(async () => status(n++), { write: (t) => (text += t), isTTY }, { json, intervalMs: 2000, sleep: async (ms) => void slept.push(ms), stop: new AbortController().signal, times: 3 });
  return { text, slept };
}

describe('watch', () => {
  it('on a terminal, redraws each refresh over the previous one', async () => {
    const { text, slept } = await watch(true, false);
    expect(slept).toEqual([2000, 2000]);
    const blocks = text.split(new RegExp(`${String.fromCharCode(27)}\\[\\d+F${String.fromCharCode(27)}\\[J`));
    expect(blocks).toHaveLength(3);
    const lines = blocks[0]!.trimEnd().split('\n').length;
    expect(text).toContain(`\x1b[${lines}F\x1b[J`);
    expect(blocks[2]).toContain('weight   rule 0: link-v2 12%');
    expect(blocks[2]).toContain('(2026-11-26T20:00:02.000Z, every 2s; Ctrl-C to stop)');
    expect(redraw(0, 'a')).toBe('a\n');
  });

  it('without a terminal, prints plain blocks with their time; with --json one object per line', async () => {
    const plain = (await watch(false, false)).text;
    expect(plain).not.toContain('\x1b');
    expect(plain.match(/^--- 2026-11-26T20:00:0\dZ?.*$/gm)).toEqual(['--- 2026-11-26T20:00:00.000Z', '--- 2026-11-26T20:00:01.000Z', '--- 2026-11-26T20:00:02.000Z']);
    expect(plain).toContain('traffic  v2   5.0 req/s   80.00% ok  p99 1.5s');
    const json = (await watch(false, true)).text.trimEnd().split('\n').map((l) => JSON.parse(l) as WatchedStatus);
    expect(json.map((j) => j.weights[1]!.weight)).toEqual([10, 11, 12]);
    expect(json[0]!.traffic!.versions[1]).toEqual({ subset: 'v2', requestRate: 5, requests: 150, successRate: 80, p99: 1.5 });
  });

  it('stops when its signal aborts', async () => {
    const stop = new AbortController();
    let reads = 0;
    await watchStatus(async () => (reads++, status(0)), { write: () => undefined, isTTY: false }, { json: false, intervalMs: 10, sleep: async () => { if (reads === 2) stop.abort(); }, stop: stop.signal });
    expect(reads).toBe(2);
  });
});

describe("the release's checks", () => {
  it("show each check's step, verdict, both versions' figures, the test and the tolerance", async () => {
    const { formatChecks, formatWatched } = await import('../../pipelines/rollout/status-watch.js');
    const check = {
      gate: 'successRate v2',
      outcome: 'fail' as const,
      detail: 'd',
      evidence: {
        step: 'canary 10% v2', since: '2026-11-26T20:00:00.000Z', at: '2026-11-26T20:00:12.000Z', seconds: 12,
        newVersion: { subset: 'v2', requests: 200, errors: 60, successRate: 70, buckets: [] },
        stable: { subset: 'v1', requests: 1800, errors: 18, successRate: 99, buckets: [], from: 'this step' as const },
        minRequests: 1561,
        test: { kind: 'sprt' as const, logLikelihoodRatio: Math.log(5000), stepLogLikelihoodRatio: Math.log(5000), threshold: Math.log(100) },
        tolerance: 'at most 1 points below the stable version',
      },
    };
    expect(formatChecks([check, { gate: 'latency v2', outcome: 'inconclusive', reason: 'metrics-unreachable', detail: 'Prometheus at x did not answer' }])).toEqual([
      'check    canary 10% v2: successRate v2 fail — v2 70.00% ok of 200 vs v1 99.00% ok of 1800 in 12.0s; likelihood ratio 5.00e+3, aborts at 100; minRequests 1561; tolerance: at most 1 points below the stable version',
      'check    latency v2: inconclusive (metrics-unreachable) — Prometheus at x did not answer',
    ]);
    const watched = { ...status(0), current: { revision: 2, route: 'link', subset: 'v2', image: 'i', strategy: 'canary', state: 'aborted' as const, step: 0, stepLabel: '100% v1', createdAt: '', updatedAt: '', checks: [check] } };
    expect(formatWatched(watched)).toContain('check    canary 10% v2: successRate v2 fail');
  });
});
