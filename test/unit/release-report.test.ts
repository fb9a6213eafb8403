// The release report's pure parts: the record's size bounds, the timeline and metrics grid, and
// the page (self-contained, its data unable to break out of its script element).
import { describe, expect, it } from 'vitest';
import type { Check } from '../../pipelines/rollout/analysis-verdict.js';
import type { Release, StoredRelease } from '../../pipelines/rollout/history.js';
import { boundedChecks, boundedDiff } from '../../pipelines/rollout/record-bounds.js';
import { assembleReport, timelineOf } from '../../pipelines/report/data.js';
import { renderHtml } from '../../pipelines/report/html.js';
import { chartAssets } from '../../pipelines/report/assets.js';
import { gridFor, gridTimes, onGrid, successRates } from '../../pipelines/report/metrics.js';
import { packagesToInstall } from '../../pipelines/stack/install.js';
import { testDebianPackages } from '../../pipelines/stack/stack.js';

function check(outcome: Check['outcome'], i: number, detailSize = 1000): Check {
  return { gate: 'successRate v2', outcome, detail: `${i} ${'x'.repeat(detailSize)}` };
}

const release: Release = {
  revision: 4, route: 'link', subset: 'v2', previous: 'v1', image: 'r/link@sha256:' + 'a'.repeat(64), strategy: 'canary', state: 'aborted',
  step: 0, stepLabel: '100% v1', createdAt: '2026-01-01T10:00:00.000Z', updatedAt: '2026-01-01T10:00:30.000Z',
  note: 'gate failed at canary 50% v2: successRate v2: fail </script><script>alert(1)</script>',
  steps: [
    { label: 'canary 50% v2', at: '2026-01-01T10:00:10.000Z', split: [{ subset: 'v1', weight: 50 }, { subset: 'v2', weight: 50 }] },
    { label: '100% v1', at: '2026-01-01T10:00:29.000Z', split: [{ subset: 'v1', weight: 100 }] },
  ],
};

describe('release record bounds', () => {
  it('drops the oldest passing checks first, counts them, and keeps every failure and the newest check', () => {
    const before = Array.from({ length: 10 }, (_, i) => check(i === 3 ? 'fail' : 'pass', i));
    const bounded = boundedChecks({ checks: before }, [check('pass', 10)], 5_000);
    expect(Buffer.byteLength(JSON.stringify(bounded.checks))).toBeLessThanOrEqual(5_000);
    expect(bounded.checks!.map((c) => Number(c.detail.split(' ')[0]))).toEqual([3, 8, 9, 10]);
    expect(bounded.checksOmitted).toBe(7);
    expect(boundedChecks({ checks: before.slice(0, 2) }, [], 5_000)).toEqual({ checks: before.slice(0, 2) });
  });

  it('cuts a long diff at a line and says how much it left out', () => {
    const diff = Array.from({ length: 2000 }, (_, i) => `+ line ${i}`).join('\n');
    const kept = boundedDiff(diff, 1000);
    expect(kept.length).toBeLessThan(1100);
    expect(kept).toMatch(/^\+ line 0\n/);
    expect(kept).toMatch(/\n… \d+ more characters of the diff not kept in the release record\n$/);
    expect(boundedDiff('short')).toBe('short');
  });
});

describe('report data', () => {
  it('turns the recorded steps into weights per version (0 where a state sends a version nothing)', () => {
    expect(timelineOf(release, ['v1', 'v2'])).toEqual([
      { at: Date.parse('2026-01-01T10:00:10Z') / 1000, label: 'canary 50% v2', weights: { v1: 50, v2: 50 } },
      { at: Date.parse('2026-01-01T10:00:29Z') / 1000, label: '100% v1', weights: { v1: 100, v2: 0 } },
    ]);
  });

  it('a record without step times and a Prometheus without the range: both said, the rest kept', () => {
    const report = assembleReport({
      stored: { release: { ...release, steps: undefined }, manifests: 'kind: Deployment\n' },
      namespace: 'default', now: new Date('2026-01-02T00:00:00Z'), apiVersion: 'shipline.dev/v1', metrics: { note: 'Prometheus holds no samples' },
    });
    expect(report).toMatchObject({ kind: 'ReleaseReport', versions: ['v1', 'v2'], timeline: [], metricsNote: 'Prometheus holds no samples', phases: { 'Roll out (canary)': 30_000 } });
    expect(report.timelineNote).toContain('without step times');
    expect(report.metrics).toBeUndefined();
  });

  it('samples the interval about 240 times, at least every second, each rate over at least 5 s', () => {
    expect(gridFor(0, 60_000)).toEqual({ grid: { start: 0, end: 60, stepSeconds: 1 }, windowMs: 5_000 });
    expect(gridFor(0, 3_600_000)).toEqual({ grid: { start: 0, end: 3600, stepSeconds: 15 }, windowMs: 45_000 });
    const times = gridTimes({ start: 100, end: 104, stepSeconds: 2 });
    expect(times).toEqual([100, 102, 104]);
    expect(onGrid(times, [[100, 5], [104, NaN]])).toEqual([5, null, null]);
    expect(successRates([10, 0, null, 4], [1, null, null, null])).toEqual([90, null, null, 100]);
  });
});

describe('report page', () => {
  const stored: StoredRelease = { release, manifests: 'data:\n  x: "</script><img src=x onerror=alert(1)>"\n' };
  const report = assembleReport({ stored, namespace: 'default', now: new Date('2026-01-02T00:00:00Z'), apiVersion: 'shipline.dev/v1', metrics: { note: 'no range' } });
  const html = renderHtml(report, chartAssets());

  it('is one file: uPlot, styles, script and data inline, nothing to fetch', () => {
    expect(html).not.toMatch(/<(script|link|img|iframe)\b[^>]*\b(src|href)=/i);
    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html).toContain('uPlot');
  });

  it('its data parses back whole, and text from the record cannot open an element', () => {
    const json = /<script id="report-data" type="application\/json">([^]*?)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(json)).toEqual(report);
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('Chromium for the browser tests', () => {
  it('is one of the Debian packages the tests need, installed when the package database says it is not (a leftover binary does not count)', () => {
    expect(testDebianPackages).toContain('chromium');
    expect(packagesToInstall(testDebianPackages, 'zstd ii \nzsh ii \nfish ii \nchromium rc \n')).toEqual(['chromium']);
    expect(packagesToInstall(testDebianPackages, 'zstd ii \nzsh ii \nfish ii \nchromium:amd64 ii \n')).toEqual([]);
  });
});
