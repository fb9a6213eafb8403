// The release report, opened in a real browser (Debian's Chromium through playwright-core) from
// file:// with every request refused: two real releases on the local stack, one promoted by its
// gate and one aborted by it (a version built to fail half its requests), each written by
// `release --report`. The charts must hold what the release record in the cluster holds.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { KubeClient } from '../../pipelines/adapters/kube.js';
import type { ReleaseReport } from '../../pipelines/report/data.js';
import { releaseMetrics } from '../../pipelines/report/metrics.js';
import { paths } from '../../pipelines/stack/layout.js';
import { dataPlaneUrl } from '../../pipelines/stack/parts/traefik.js';
import { launchChromium, openOffline } from '../support/browser.js';
import { shipline } from '../support/cli.js';
import { expectDocument } from '../support/output-schema.js';
import { rolloutFixture } from '../../scripts/bench/fixtures/rollout-fixture.js';

const client = KubeClient.load(paths.kubeconfig());
const fixture = rolloutFixture(
  {
    steps: [50, 100],
    pause: '6s',
    load: { url: `${dataPlaneUrl}/cgi-bin/version`, rate: 40, connections: 2 },
    // An absolute floor. Tolerance: FAIL_PERCENT spreads failures evenly (any k requests in a row
    // hold k/2 failures, give or take one), so the bad version's first check with at least 10
    // requests sees at most 60 % success, far below 95; the good one answers no 5xx at all, so
    // only a data plane failing 5 % of its requests could abort it.
    gates: { successRate: { min: 95, minRequests: 10, interval: '2s', failureLimit: 1 } },
  },
  { generated: true, ownHost: true, routing: { api: 'gateway-api', gateways: ['shipline-system/shipline'] } },
);
// The load goes through the stack's Gateway to the fixture's own host.
const config = parse(readFileSync(fixture.configFile, 'utf8')) as { rollout: { load: { headers?: Record<string, string> } } };
config.rollout.load.headers = { host: `${fixture.name}.example.com` };
writeFileSync(fixture.configFile, stringify(config));
const env = { KUBECONFIG: paths.kubeconfig(), CI: 'true' };
const artifacts = join(process.cwd(), 'test-results', 'release-report');
const viewports = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
const images: Record<string, string> = {};
let browser: Browser;

/** `release --skip-build` of one image with its report; the record of that release as `rollout report --json` gives it. */
async function releaseWithReport(subset: string) {
  const file = join(fixture.dir, `${subset}.html`);
  const result = await shipline(['release', '--config', fixture.configFile, '--yes', '--skip-build', '--image', images[subset]!, '--subset', subset, '--report', file], { env, cwd: fixture.dir });
  const json = await shipline(['rollout', 'report', '--config', fixture.configFile, '--json'], { env, cwd: fixture.dir });
  expect(json.exitCode, json.stderr).toBe(0);
  return { result, file, report: expectDocument<ReleaseReport>(JSON.parse(json.stdout), 'ReleaseReport') };
}

/** What the weight chart draws: its series' labels, and each one's values (the last step held to the end). */
async function weightChart(page: import('playwright-core').Page) {
  return page.evaluate(() => {
    const u = (window as unknown as { shiplineCharts: Record<string, { series: { label?: string }[]; data: ArrayLike<number | null>[] }> }).shiplineCharts.weights!;
    return { labels: u.series.slice(1).map((s) => s.label), values: u.data.slice(1).map((d) => Array.from(d)) };
  });
}

function recordWeights(report: ReleaseReport): (number | null)[][] {
  return report.versions.map((v) => {
    const steps = report.release.steps!.map((s) => s.split.find((x) => x.subset === v)?.weight ?? 0);
    return [...steps, steps.at(-1)!];
  });
}

/** Opens the report at both sizes: no console error, no request leaving the page, nothing wider than the screen. */
async function openAtBothSizes(file: string, name: string) {
  const pages = [];
  for (const [size, viewport] of Object.entries(viewports)) {
    const opened = await openOffline(browser, file, viewport);
    expect(opened.errors).toEqual([]);
    expect(opened.leaving).toEqual([]);
    const layout = await opened.page.evaluate(() => ({
      pageWidth: document.documentElement.scrollWidth,
      charts: [...document.querySelectorAll('.chart canvas')].map((c) => c.getBoundingClientRect().right),
      title: document.querySelector('h1')!.getBoundingClientRect().right,
    }));
    expect(layout.pageWidth).toBeLessThanOrEqual(viewport.width);
    expect(layout.charts.length).toBeGreaterThan(0);
    for (const right of [...layout.charts, layout.title]) expect(right).toBeLessThanOrEqual(viewport.width);
    await opened.page.screenshot({ path: join(artifacts, `${name}-${size}.png`), fullPage: true });
    pages.push(opened);
  }
  return pages;
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  for (const v of ['v1', 'v2']) images[v] = await fixture.image(v);
  images.bad = await fixture.image('bad', { FAIL_PERCENT: '50' });
  const first = await shipline(['release', '--config', fixture.configFile, '--yes', '--skip-build', '--image', images.v1!, '--subset', 'v1'], { env, cwd: fixture.dir });
  if (first.exitCode !== 0) throw new Error(`the first release failed (exit ${first.exitCode}):\n${first.stderr}`);
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await fixture.cleanup(client);
});

describe('release --report, opened in Chromium', () => {
  it('a promoted release: one weight series per version with the steps the record holds, and each version\'s traffic', async () => {
    const { result, file, report } = await releaseWithReport('v2');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`report +${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(r\\d+, \\d+ KB\\)`));
    expect(report.release).toMatchObject({ subset: 'v2', previous: 'v1', state: 'promoted' });
    expect(report.release.steps!.map((s) => s.label)).toEqual(['canary 50% v2', 'canary 100% v2', '100% v2']);
    const [desktop, phone] = await openAtBothSizes(file, 'promoted');
    const chart = await weightChart(desktop!.page);
    expect(chart.labels).toEqual(['v1', 'v2']);
    expect(chart.values).toEqual(recordWeights(report));
    expect(chart.values).toEqual([[50, 0, 0, 0], [50, 100, 100, 100]]);
    // The traffic charts: the load reached the new version, as the data plane counted it.
    const rates = await desktop!.page.evaluate(() => {
      const u = (window as unknown as { shiplineCharts: Record<string, { series: { label?: string }[]; data: ArrayLike<number | null>[] }> }).shiplineCharts.requestRate!;
      return Object.fromEntries(u.series.slice(1).map((s, i) => [s.label, Math.max(0, ...Array.from(u.data[i + 1]!).map((x) => x ?? 0))]));
    });
    expect(Object.keys(rates)).toEqual(['v1', 'v2']);
    expect(rates.v2).toBeGreaterThan(0);
    expect(await desktop!.page.locator('.verdict').textContent()).toContain('promoted');
    await Promise.all([desktop!.close(), phone!.close()]);
  });

  it('an aborted release: the failed check with its numbers, and the route back on the stable version', async () => {
    const { result, file, report } = await releaseWithReport('bad');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`report of the aborted release written to ${file}`);
    expect(report.release).toMatchObject({ subset: 'bad', previous: 'v2', state: 'aborted' });
    const failed = report.release.checks!.find((c) => c.outcome === 'fail')!;
    const evidence = failed.evidence!.newVersion;
    expect(evidence.errors).toBeGreaterThan(0);
    const [desktop, phone] = await openAtBothSizes(file, 'aborted');
    const chart = await weightChart(desktop!.page);
    expect(chart.labels).toEqual(['v2', 'bad']);
    expect(chart.values).toEqual(recordWeights(report));
    expect(chart.values).toEqual([[50, 100, 100], [50, 0, 0]]);
    expect(await desktop!.page.locator('.verdict').textContent()).toContain('aborted: gate failed at canary 50% bad: successRate bad: fail');
    const rows = await desktop!.page.locator('tr.check.fail').allTextContents();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(failed.detail);
    expect(rows[0]).toContain(`bad: ${evidence.requests} requests, ${evidence.errors} 5xx`);
    await Promise.all([desktop!.close(), phone!.close()]);
  });

  it('a release stopped before its rollout says no report was written, and writes none', async () => {
    const file = join(fixture.dir, 'missing.html');
    const missing = `${images.v1!.split('@')[0]!.replace(/:[^/:]*$/, '')}@sha256:${'0'.repeat(64)}`;
    const result = await shipline(['release', '--config', fixture.configFile, '--yes', '--skip-build', '--image', missing, '--subset', 'v9', '--report', file], { env, cwd: fixture.dir });
    expect(result.exitCode, result.stderr).not.toBe(0);
    expect(result.stderr).toContain(`no report written to ${file}: the release stopped before its rollout began`);
    expect(existsSync(file)).toBe(false);
  });

  it('says so when Prometheus no longer holds the range, and the HTML still opens', async () => {
    const target = { namespace: 'default', subset: 'v1', service: `${fixture.name}-v1`, port: 8080, workload: `${fixture.name}-v1` };
    const old = await releaseMetrics({ provider: 'traefik', targets: [target], fromMs: Date.parse('2021-01-01T00:00:00Z'), toMs: Date.parse('2021-01-01T00:05:00Z') });
    expect(old).toEqual({ note: expect.stringMatching(/^Prometheus at http:\/\/127\.0\.0\.1:9090 holds no samples of v1 from 2021-01-01T00:00:00\.000Z/) });
    expect(readFileSync(join(fixture.dir, 'bad.html'), 'utf8')).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
  });
});
