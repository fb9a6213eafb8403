// Gates on real traffic: versions of the sample service behind the stack's Traefik (Gateway
// API), synthetic load through it with rollout.load's generator, and the successRate and
// latency gates reading Traefik's own metrics from the stack's Prometheus. The numbers a gate
// reads match the requests sent; a version answering 500s is aborted at its first step; a
// step without traffic is inconclusive and does not promote.
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { KubeClient } from '../../pipelines/adapters/kube.js';
import { ExternalError } from '../../pipelines/errors.js';
import { latencyGate, loadSection, successRateGate } from '../../pipelines/rollout/analysis-config.js';
import { queryPrometheus } from '../../pipelines/rollout/analysis-prometheus.js';
import { traefikServiceLabel } from '../../pipelines/rollout/analysis-queries.js';
import { checkGate, versionTarget } from '../../pipelines/rollout/analysis.js';
import { rolloutContext } from '../../pipelines/rollout/context.js';
import { startLoad } from '../../pipelines/rollout/load.js';
import { startRollout } from '../../pipelines/rollout/run.js';
import { rolloutStatus } from '../../pipelines/rollout/status.js';
import type { WatchedStatus } from '../../pipelines/rollout/status-watch.js';
import { paths } from '../../pipelines/stack/layout.js';
import { prometheusUrl } from '../../pipelines/stack/parts/prometheus.js';
import { dataPlaneUrl } from '../../pipelines/stack/parts/traefik.js';
import { shipline } from '../support/cli.js';
import { rolloutFixture } from '../support/rollout-fixture.js';

const client = KubeClient.load(paths.kubeconfig());
const fixture = rolloutFixture({ steps: [50, 100] }, { generated: true });
const host = `${fixture.name}.example.com`;
const url = `${dataPlaneUrl}/cgi-bin/version`;
const images: Record<string, string> = {};

// The route goes through the stack's Gateway, on a host of its own.
const config = parse(readFileSync(fixture.configFile, 'utf8')) as { routing: Record<string, unknown> };
config.routing = { ...config.routing, hosts: [host], api: 'gateway-api', gateways: ['shipline-system/shipline'] };
writeFileSync(fixture.configFile, stringify(config));

/** A version whose /cgi-bin/version answers 500 (healthz stays fine, so it becomes available). */
const failingCommand = [
  '/bin/busybox', 'sh', '-c',
  [
    'set -e; w=/var/lib/link/www; /bin/busybox mkdir -p $w/cgi-bin; /bin/busybox cp /www/cgi-bin/healthz $w/cgi-bin/',
    `printf '#!/bin/sh\\nprintf "Status: 500 Internal Server Error\\\\r\\\\n\\\\r\\\\nbroken\\\\n"\\n' > $w/cgi-bin/version`,
    '/bin/busybox chmod 0755 $w/cgi-bin/healthz $w/cgi-bin/version; exec /bin/busybox httpd -f -p 8080 -h $w',
  ].join('; '),
];

function context(rollout: Record<string, unknown>, log?: (line: string) => void) {
  const loaded = fixture.loaded();
  Object.assign(loaded.raw.rollout as Record<string, unknown>, rollout);
  return rolloutContext(loaded, { kubeconfig: paths.kubeconfig(), log });
}

const agent = new Agent({ keepAlive: true, maxSockets: 10 });

/** One GET through Traefik with the route's Host header (fetch would not send it). */
function get(): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host }, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** What `count` requests through Traefik get: status codes and the versions that answered. */
async function through(count: number): Promise<{ statuses: Record<number, number>; versions: Record<string, number> }> {
  const statuses: Record<number, number> = {};
  const versions: Record<string, number> = {};
  for (let i = 0; i < count; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, async () => {
        const res = await get();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status === 200) {
          const v = (JSON.parse(res.body) as { version: string }).version;
          versions[v] = (versions[v] ?? 0) + 1;
        }
      }),
    );
  }
  return { statuses, versions };
}

/** Waits until every one of 50 requests through Traefik is answered by `version`. */
async function servedBy(version: string): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 60; i++) {
    const r = await through(50);
    if (r.versions[version] === 50) return;
    last = r;
    await sleep(500);
  }
  throw new Error(`Traefik does not send ${host} to ${version} alone: ${JSON.stringify(last)}`);
}

beforeAll(async () => {
  for (const v of ['v1', 'v2']) images[v] = await fixture.image(v);
  await startRollout(await context({}), { strategy: 'canary', image: images.v1!, subset: 'v1' });
  await servedBy('v1');
}, 600_000);

afterAll(async () => {
  agent.destroy();
  await fixture.cleanup(client);
});

describe('gates on the traffic Traefik routes', () => {
  it('read the requests sent through Traefik: count within 5 %, no 5xx, a p99', async () => {
    const ctx = await context({});
    const target = versionTarget(ctx, 'v1');
    // The warm-up requests fall out of the 30 s window read below. Prometheus extrapolates a
    // window's increase from its first and last samples (1 s apart here): about 1/30 too much.
    await sleep(20_000);
    const load = startLoad(loadSection.parse({ url, headers: { host }, rate: 60, connections: 10 }));
    await sleep(12_000);
    const sent = await load.stop();
    await sleep(3000); // two scrapes after the last request
    expect(sent.byStatus).toEqual({ '200': sent.answered });
    expect(sent.answered).toBeGreaterThan(500);
    // Traefik names the version's Service as the queries do.
    const series = await queryPrometheus(prometheusUrl, `count(traefik_service_requests_total{service=${JSON.stringify(traefikServiceLabel(target))}})`, 5000);
    expect(series).toMatchObject({ ok: true, value: expect.any(Number) });
    const window = '30s';
    const success = await checkGate('traefik', target, { name: 'successRate v1', kind: 'successRate', config: successRateGate.parse({ min: 99, window, prometheusUrl }) });
    expect(success).toMatchObject({ outcome: 'pass', value: 100 });
    expect(Math.abs(success.requests! - sent.answered) / sent.answered, `${success.requests} counted, ${sent.answered} answered`).toBeLessThan(0.05);
    console.info(`sent ${JSON.stringify(sent.byStatus)} in ${sent.seconds}s; successRate gate read: ${success.detail}`);
    const latency = await checkGate('traefik', target, { name: 'latency v1', kind: 'latency', config: latencyGate.parse({ max: '2s', window, prometheusUrl }) });
    expect(latency).toMatchObject({ outcome: 'pass', requests: success.requests });
    expect(latency.value).toBeGreaterThan(0);
  }, 90_000);

  it('a canary with both gates and rollout.load is judged on its traffic every interval and promoted', async () => {
    const log: string[] = [];
    const gate = { minRequests: 20, interval: '2s', window: '6s', prometheusUrl };
    const ctx = await context(
      { pause: '8s', gates: { successRate: { min: 99, ...gate }, latency: { max: '2s', ...gate } }, load: { url, headers: { host }, rate: 40 } },
      (line) => log.push(line),
    );
    const summary = await startRollout(ctx, { strategy: 'canary', image: images.v2!, subset: 'v2' });
    expect(summary).toMatchObject({ subset: 'v2', state: 'promoted', steps: ['canary 50% v2', 'canary 100% v2'] });
    const checks = log.filter((l) => l.startsWith('gate successRate v2: '));
    // Four checks during each 8 s pause (the last at its end).
    console.info([...checks, ...log.filter((l) => l.startsWith('load: '))].join('\n'));
    expect(checks.length).toBe(8);
    expect(checks.at(-1)).toMatch(/^gate successRate v2: pass — 100\.00% of \d+ requests without 5xx/);
    expect(log.filter((l) => l.startsWith('gate latency v2: pass')).length).toBeGreaterThan(0);
    const loads = log.filter((l) => l.startsWith('load: ') && l.includes(' answers from '));
    expect(loads).toHaveLength(2);
    // Each step's load reports its answers per status code, adding up to the answers it got.
    // (Traefik answers 500 for the new version's share while it has not yet loaded the new
    // per-version Service the route names; the gate reads only that Service's answers.)
    for (const l of loads) {
      const [, total, codes] = new RegExp(`^load: (\\d+) answers from ${url.replace(/[.?]/g, '\\$&')} in [0-9.]+s: (.*)$`).exec(l) ?? [];
      expect(codes, l).toMatch(/^200 ×\d+/);
      expect([...codes!.matchAll(/×(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0)).toBe(Number(total));
      expect(Number(total)).toBeGreaterThan(200);
    }
    await servedBy('v2');
  }, 180_000);

  it('a version answering 500s fails successRate at its first step, before its pause ends; traffic goes back to the stable version', async () => {
    const log: string[] = [];
    const ctx = await context(
      {
        pause: '40s',
        workload: { terminationGracePeriodSeconds: 1, command: failingCommand },
        gates: { successRate: { min: 95, minRequests: 10, interval: '2s', window: '5s', failureLimit: 2, prometheusUrl } },
        load: { url, headers: { host }, rate: 40 },
      },
      (line) => log.push(line),
    );
    const started = Date.now();
    const error = await startRollout(ctx, { strategy: 'canary', image: images.v2!, subset: 'broken' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalError);
    expect((error as Error).message).toMatch(/aborted at "canary 50% broken": successRate broken: \d+\.\d\d% of \d+ requests without 5xx \(\d+ 5xx\), below the minimum 95% \(2 of \d+ checks failed, failureLimit 2\); traffic is back on v2/);
    // The step did not wait out its 40 s pause (the deployment takes a few seconds too).
    console.info(`aborted after ${Date.now() - started} ms: ${(error as Error).message}\n${log.filter((l) => /^(gate|load)/.test(l)).join('\n')}`);
    expect(Date.now() - started).toBeLessThan(35_000);
    expect(log.find((l) => l.startsWith('load: ') && l.includes('answers'))).toMatch(/200 ×\d+, 500 ×\d+/);
    const status = await rolloutStatus(ctx);
    expect(status.weights).toEqual([{ rule: 0, destination: `${fixture.name}-v2`, weight: 100 }]);
    expect(status.current).toMatchObject({ subset: 'broken', state: 'aborted' });
    await servedBy('v2');
    expect(await through(500)).toEqual({ statuses: { 200: 500 }, versions: { v2: 500 } });
  }, 180_000);

  it('a step without traffic is inconclusive and does not promote', async () => {
    const log: string[] = [];
    const ctx = await context({ pause: '4s', gates: { successRate: { min: 99, interval: '2s', window: '3s', prometheusUrl } } }, (line) => log.push(line));
    const error = await startRollout(ctx, { strategy: 'canary', image: images.v1!, subset: 'quiet' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExternalError);
    expect((error as Error).message).toMatch(
      /aborted at "canary 50% quiet": successRate quiet: inconclusive: 0 requests in the last 3s, fewer than minRequests 20 at the end of the step; a step without enough traffic in its metrics does not pass; traffic is back on v2/,
    );
    expect(log.filter((l) => l.startsWith('gate successRate quiet: inconclusive')).length).toBe(2);
    const status = await rolloutStatus(ctx);
    expect(status.current).toMatchObject({ subset: 'quiet', state: 'aborted' });
    expect(status.stable).toBe('v2');
  }, 180_000);

  it('rollout status --watch --json shows the weights and each version\'s traffic from the metrics', async () => {
    const load = startLoad(loadSection.parse({ url, headers: { host }, rate: 30 }));
    await sleep(6000);
    const result = await shipline(['rollout', 'status', '-c', fixture.configFile, '--kubeconfig', paths.kubeconfig(), '--watch', '--json', '--times', '2', '--interval', '1s', '--window', '5s']);
    const sent = await load.stop();
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as WatchedStatus);
    expect(lines).toHaveLength(2);
    const last = lines[1]!;
    expect(last.weights).toEqual([{ rule: 0, destination: `${fixture.name}-v2`, weight: 100 }]);
    const v2 = last.traffic!.versions.find((v) => v.subset === 'v2')!;
    expect(v2.successRate).toBe(100);
    // 30 requests per second, as sent (rate over 5 s, give or take a scrape).
    expect(v2.requestRate).toBeGreaterThan(20);
    expect(v2.requestRate).toBeLessThan(40);
    expect(v2.p99).toBeGreaterThan(0);
    expect(sent.byStatus).toEqual({ '200': sent.answered });
  }, 60_000);
});
