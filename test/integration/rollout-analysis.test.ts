// Gates on real traffic: versions of the sample service (built with FAIL_PERCENT: that share of
// every 100 requests answers 500, spread evenly) behind the stack's Traefik (Gateway API), an
// independent client sending requests through it and recording every answer, and the gates
// reading Traefik's own counters from the stack's Prometheus. The counts a check reports are the
// requests the client got from that version; a version failing 30 % is aborted at its first
// step; 10 % against a stable 1 % is stopped within two steps; a shared outage (both 20 %) is not
// the new version's fault for the baseline verdict, though the absolute one would abort it; a
// step without traffic is inconclusive and does not promote.
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { KubeClient } from '../../pipelines/adapters/kube.js';
import { RolloutAbortedError } from '../../pipelines/errors.js';
import { loadSection, successRateGate } from '../../pipelines/config/rollout-analysis.js';
import { countsSince } from '../../pipelines/rollout/analysis-counts.js';
import { GateJudge } from '../../pipelines/rollout/analysis-judge.js';
import type { VersionEvidence } from '../../pipelines/rollout/analysis-verdict.js';
import { readCounters, versionTarget } from '../../pipelines/rollout/analysis.js';
import { rolloutContext } from '../../pipelines/rollout/context.js';
import { startLoad } from '../../pipelines/rollout/load.js';
import { abortRollout, startRollout } from '../../pipelines/rollout/run.js';
import { rolloutStatus } from '../../pipelines/rollout/status.js';
import type { WatchedStatus } from '../../pipelines/rollout/status-watch.js';
import { paths } from '../../pipelines/stack/layout.js';
import { prometheusUrl } from '../../pipelines/stack/parts/prometheus.js';
import { dataPlaneUrl } from '../../pipelines/stack/parts/traefik.js';
import { shipline } from '../support/cli.js';
import { rolloutFixture } from '../../scripts/bench/fixtures/rollout-fixture.js';
import { send, type Answer } from '../../scripts/bench/fixtures/traffic.js';

const client = KubeClient.load(paths.kubeconfig());
const fixture = rolloutFixture({ steps: [50, 100] }, { generated: true });
const host = `${fixture.name}.example.com`;
const url = `${dataPlaneUrl}/cgi-bin/version`;
const images: Record<string, string> = {};

// The route goes through the stack's Gateway, on a host of its own.
const config = parse(readFileSync(fixture.configFile, 'utf8')) as { routing: Record<string, unknown> };
config.routing = { ...config.routing, hosts: [host], api: 'gateway-api', gateways: ['shipline-system/shipline'] };
writeFileSync(fixture.configFile, stringify(config));

function context(rollout: Record<string, unknown>, log?: (line: string) => void) {
  const loaded = fixture.loaded();
  Object.assign(loaded.raw.rollout as Record<string, unknown>, rollout);
  return rolloutContext(loaded, { kubeconfig: paths.kubeconfig(), log });
}

/** What `count` requests through Traefik get: status codes and the versions that answered. */
async function through(count: number): Promise<{ statuses: Record<number, number>; versions: Record<string, number> }> {
  const statuses: Record<number, number> = {};
  const versions: Record<string, number> = {};
  for (const a of await send(count, { host, concurrency: 10 })) {
    statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    if (a.status === 200) versions[a.version] = (versions[a.version] ?? 0) + 1;
  }
  return { statuses, versions };
}

/** Waits until every one of 50 requests through Traefik is answered by `version` (200 or its own 500s). */
async function servedBy(version: string): Promise<void> {
  let last: Answer[] = [];
  for (let i = 0; i < 60; i++) {
    last = await send(50, { host, concurrency: 10 });
    if (last.every((a) => a.version === version)) return;
    await sleep(500);
  }
  throw new Error(`Traefik does not send ${host} to ${version} alone: ${JSON.stringify(last.slice(0, 5))}`);
}

/** A user of the route: sends about `rate` requests a second until stopped, recording each answer with its time. */
function startUser(rate = 40) {
  const answers: (Answer & { at: number })[] = [];
  let running = true;
  const batch = 8;
  const done = (async () => {
    while (running) {
      const started = Date.now();
      const got = await send(batch, { host, concurrency: 2 });
      const at = Date.now();
      answers.push(...got.map((a) => ({ ...a, at })));
      await sleep(Math.max(0, (1000 * batch) / rate - (at - started)));
    }
  })();
  return {
    answers,
    async stop() {
      running = false;
      await done;
      return answers;
    },
  };
}

/** The success rate (percent) the client saw from `version` in [from, to]; and how many answers. */
function observed(answers: readonly (Answer & { at: number })[], version: string, from: number, to: number) {
  const mine = answers.filter((a) => a.version === version && a.at >= from && a.at <= to);
  return { requests: mine.length, successRate: mine.length === 0 ? NaN : (100 * mine.filter((a) => a.status === 200).length) / mine.length };
}

/** A log that notes when each step's route was accepted and each successRate check's line. */
function stepLog() {
  const lines: { at: number; line: string }[] = [];
  return {
    lines,
    log: (line: string) => lines.push({ at: Date.now(), line }),
    /** Every successRate check with the rate it reported and the start of its step. */
    checks(subset: string) {
      let stepStart = 0;
      const checks: { at: number; since: number; outcome: string; successRate: number; requests: number; line: string }[] = [];
      for (const { at, line } of lines) {
        if (/^route \S+: .* \(accepted in \d+ ms\)$/.test(line)) stepStart = at;
        const m = new RegExp(`^gate successRate ${subset}: (\\w+).* — ${subset} ([0-9.]+|-)%? of (\\d+) requests?`).exec(line);
        if (m) checks.push({ at, since: stepStart, outcome: m[1]!, successRate: Number(m[2]), requests: Number(m[3]), line });
      }
      return checks;
    },
  };
}

/** Versions built to fail a share of their requests: name → FAIL_PERCENT. */
const failing: Record<string, number> = { b30: 30, s1: 1, b10: 10, o20: 20, n20: 20 };

beforeAll(async () => {
  for (const v of ['v1', 'v2']) images[v] = await fixture.image(v);
  for (const [v, percent] of Object.entries(failing)) images[v] = await fixture.image(v, { FAIL_PERCENT: String(percent) });
  await startRollout(await context({}), { strategy: 'canary', image: images.v1!, subset: 'v1' });
  await servedBy('v1');
}, 600_000);

afterAll(async () => {
  await fixture.cleanup(client);
});

describe('gates on the traffic Traefik routes', () => {
  it('count exactly the requests the client got: the counters minus their values at the baseline', async () => {
    const ctx = await context({});
    const gate = { name: 'successRate v1', kind: 'successRate' as const, config: successRateGate.parse({ min: 99, prometheusUrl }) };
    const targets = { newer: versionTarget(ctx, 'v1') };
    await sleep(2000); // the warm-up's last requests scraped
    const baseline = await readCounters('traefik', targets, gate);
    const answers = await send(300, { host, concurrency: 4 });
    // Prometheus scrapes every second: two scrapes after the last answer, every request is in.
    await sleep(2500);
    const now = await readCounters('traefik', targets, gate);
    if (!baseline.ok || !now.ok) throw new Error(`Prometheus did not answer: ${JSON.stringify([baseline, now])}`);
    const counts = countsSince(baseline.snapshot, now.snapshot, 'v1');
    expect(answers.filter((a) => a.status === 200 && a.version === 'v1')).toHaveLength(300);
    // Exact: no extrapolation, and nothing else sends to this route meanwhile.
    expect(counts).toMatchObject({ requests: 300, errors: 0 });
    expect(counts.buckets.at(-1)).toEqual({ le: Infinity, count: 300 });
  }, 60_000);

  it('a canary with absolute gates and rollout.load is judged on its traffic every interval and promoted', async () => {
    const log: string[] = [];
    const gate = { minRequests: 20, interval: '2s', prometheusUrl };
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
    expect(checks.at(-1)).toMatch(/^gate successRate v2: pass — v2 100\.00% of \d+ requests without 5xx \(0 5xx\) in [0-9.]+s; stable v1 /);
    expect(log.filter((l) => l.startsWith('gate latency v2: pass')).length).toBeGreaterThan(0);
    // The release record keeps each step's deciding check with its evidence.
    const status = await rolloutStatus(ctx);
    expect(status.current?.checks?.map((c) => c.evidence?.step)).toEqual(['canary 50% v2', 'canary 50% v2', 'canary 100% v2', 'canary 100% v2']);
    expect(status.current?.checks?.[0]?.evidence).toMatchObject({ newVersion: { subset: 'v2', errors: 0 }, stable: { subset: 'v1', from: 'this step' } });
    await servedBy('v2');
  }, 180_000);

  it('a version failing 30 % is aborted at its first step; every check reports the success rate the client saw from it, within 5 points', async () => {
    const steps = stepLog();
    const ctx = await context({ steps: [50, 100], pause: '30s', gates: { successRate: { maxDrop: 5, interval: '3s', prometheusUrl } } }, steps.log);
    const user = startUser();
    await sleep(1000);
    const started = Date.now();
    const error = await startRollout(ctx, { strategy: 'canary', image: images.b30!, subset: 'b30' }).catch((e: unknown) => e);
    const answers = await user.stop();
    console.info(`aborted after ${Date.now() - started} ms: ${(error as Error).message}\n${steps.lines.map((l) => l.line).filter((l) => /^(gate|route)/.test(l)).join('\n')}`);
    expect(error).toBeInstanceOf(RolloutAbortedError);
    expect((error as Error).message).toMatch(/^rollout of b30 \(\S+@sha256:[a-f0-9]{64}\) aborted at "canary 50% b30": successRate b30: fail: b30 [0-9.]+% of \d+ requests without 5xx .* b30 answers 5xx more often than v2/);
    expect((error as RolloutAbortedError).hint).not.toContain('--skip-build');
    expect((error as RolloutAbortedError).hint).toContain('fix the new version');
    // The tolerance: the version fails exactly 3 of every 10 requests, evenly, so any k requests
    // in a row hold 0.3·k ± 1 failures; the gate's interval and the client's differ only at their
    // edges (the baseline read, a 1 s scrape), so both rates are 70 % ± 100/k points (k > 20).
    const checks = steps.checks('b30');
    expect(checks.length).toBeGreaterThan(0);
    for (const c of checks) {
      const saw = observed(answers, 'b30', c.since, c.at);
      expect(saw.requests, c.line).toBeGreaterThan(20);
      expect(Math.abs(c.successRate - saw.successRate), `${c.line}\nclient: ${saw.successRate.toFixed(2)}% of ${saw.requests}`).toBeLessThanOrEqual(5);
    }
    const status = await rolloutStatus(ctx);
    expect(status.current).toMatchObject({ subset: 'b30', state: 'aborted' });
    expect(status.current?.checks?.at(-1)).toMatchObject({ outcome: 'fail', evidence: { step: 'canary 50% b30', test: { kind: 'sprt' }, newVersion: { subset: 'b30' }, stable: { subset: 'v2' } } });
    await servedBy('v2');
    expect(await through(200)).toEqual({ statuses: { 200: 200 }, versions: { v2: 200 } });
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

  it('a version failing 10 % against a stable one failing 1 % is stopped within its first two steps', async () => {
    await startRollout(await context({ steps: [50, 100], pause: '0s' }), { strategy: 'canary', image: images.s1!, subset: 's1' });
    await servedBy('s1');
    const steps = stepLog();
    const ctx = await context({ steps: [20, 50, 100], pause: '20s', gates: { successRate: { maxDrop: 5, interval: '3s', prometheusUrl } } }, steps.log);
    const user = startUser();
    const error = await startRollout(ctx, { strategy: 'canary', image: images.b10!, subset: 'b10' }).catch((e: unknown) => e);
    await user.stop();
    console.info(`${(error as Error).message}\n${steps.lines.map((l) => l.line).filter((l) => /^gate/.test(l)).join('\n')}`);
    expect(error).toBeInstanceOf(RolloutAbortedError);
    expect((error as Error).message).toMatch(/aborted at "canary (20|50)% b10": successRate b10: fail: .* b10 answers 5xx more often than s1/);
    await servedBy('s1');
  }, 180_000);

  it('a shared outage (stable and new both failing 20 %) is not aborted by the baseline verdict; the absolute minimum 99 % would abort it', async () => {
    await startRollout(await context({ steps: [50, 100], pause: '0s' }), { strategy: 'canary', image: images.o20!, subset: 'o20' });
    await servedBy('o20');
    const steps = stepLog();
    // maxDrop 10 points at power 0.8: minRequests about 370 of the new version (shown in each check).
    const ctx = await context({ steps: [50], pause: '30s', gates: { successRate: { maxDrop: 10, power: 0.8, interval: '5s', prometheusUrl } } }, steps.log);
    const user = startUser(50);
    const summary = await startRollout(ctx, { strategy: 'canary', image: images.n20!, subset: 'n20' });
    await user.stop();
    console.info(steps.lines.map((l) => l.line).filter((l) => /^gate/.test(l)).join('\n'));
    expect(summary).toMatchObject({ subset: 'n20', state: 'progressing', steps: ['canary 50% n20'] });
    expect(steps.checks('n20').filter((c) => c.outcome === 'fail')).toEqual([]);
    const status = await rolloutStatus(ctx);
    const evidence = status.current?.checks?.at(-1)?.evidence;
    if (!evidence?.stable) throw new Error(`no evidence recorded: ${JSON.stringify(status.current)}`);
    expect(evidence).toMatchObject({ newVersion: { subset: 'n20' }, stable: { subset: 'o20', from: 'this step' } });
    // Both about 80 %: 20 of every 100 requests fail, evenly.
    expect(Math.abs(evidence.newVersion.successRate! - 80)).toBeLessThanOrEqual(5);
    expect(Math.abs(evidence.stable.successRate! - 80)).toBeLessThanOrEqual(5);
    // The absolute gate on the same counts: a failure of the new version.
    const absolute = new GateJudge({ name: 'successRate n20', kind: 'successRate', config: successRateGate.parse({ min: 99 }) });
    const counted = (v: VersionEvidence) => ({ subset: v.subset, counts: { requests: v.requests, errors: v.errors, buckets: v.buckets } });
    const verdict = absolute.judge({ step: evidence.step, since: Date.parse(evidence.since), at: Date.parse(evidence.at), newer: counted(evidence.newVersion), stable: counted(evidence.stable) });
    expect(verdict).toMatchObject({ outcome: 'fail', detail: expect.stringContaining('below the minimum 99%') });
    await abortRollout(await context({}));
    await servedBy('o20');
  }, 180_000);

  it('a step without traffic is inconclusive (no data) and does not promote', async () => {
    const log: string[] = [];
    const ctx = await context({ pause: '4s', gates: { successRate: { maxDrop: 5, interval: '2s', prometheusUrl } } }, (line) => log.push(line));
    const error = await startRollout(ctx, { strategy: 'canary', image: images.v1!, subset: 'quiet' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RolloutAbortedError);
    expect((error as Error).message).toMatch(/aborted at "canary 50% quiet": successRate quiet: inconclusive \(no-data\): .*no requests of quiet since the step started at the end of the step; a step without enough traffic in its metrics does not pass; traffic is back on o20/);
    expect(log.filter((l) => l.startsWith('gate successRate quiet: inconclusive (no-data)')).length).toBe(2);
    const status = await rolloutStatus(ctx);
    expect(status.current).toMatchObject({ subset: 'quiet', state: 'aborted' });
    expect(status.stable).toBe('o20');
  }, 180_000);
});
