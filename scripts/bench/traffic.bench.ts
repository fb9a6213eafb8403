// Real traffic through the local stack's data plane (Traefik): for a canary walked step
// by step by shipline itself, (1) convergence — time from the route change to the data
// plane serving the new split, (2) shipline's own time per step, excluding the pause and
// the implementation's acceptance, (3) the observed split error per step (500 requests).
// Targets: convergence under 1 s, shipline's own time per step under 200 ms.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeClient } from '../../pipelines/adapters/kube.js';
import { rolloutContext } from '../../pipelines/rollout/context.js';
import { startRollout } from '../../pipelines/rollout/run.js';
import { dataPlane, paths } from '../../pipelines/stack/layout.js';
import { rolloutFixture } from './fixtures/rollout-fixture.js';
import { send, shares } from './fixtures/traffic.js';
import { scaled } from './quick.js';

const steps = scaled([10, 30, 50, 70, 90, 100], [50, 100]);
const pauseMs = scaled(12_000, 3_000);

interface StepFigures { label: string; weight: number; ownMs: number; acceptMs: number; convergenceMs: number; errorPoints: number }

/** Sends small batches until v2's share in a batch is the new weight (±10 points); ms after `from`. */
async function converged(host: string, weight: number, from: number): Promise<number> {
  for (;;) {
    const batch = shares(await send(20, { host, concurrency: 4 }));
    if (Math.abs((batch.v2 ?? 0) - weight) <= 10 && (weight === 100 || (batch.v1 ?? 0) > 0)) return performance.now() - from;
    if (performance.now() - from > 30_000) return Number.NaN;
  }
}

export default async function bench(): Promise<void> {
  const client = KubeClient.load(paths.kubeconfig());
  const fixture = rolloutFixture({ steps, pause: `${pauseMs / 1000}s`, autoPromote: true }, {
    routing: { gateways: [`${dataPlane.gatewayNamespace}/${dataPlane.gateway}`], api: 'gateway-api' }, ownHost: true,
  });
  const host = `${fixture.name}.example.com`;
  try {
    const [v1, v2] = [await fixture.image('v1'), await fixture.image('v2')];
    const ctx = async (onLog: (line: string, at: number) => void) =>
      rolloutContext(fixture.loaded(), { kubeconfig: paths.kubeconfig(), log: (line) => onLog(line, performance.now()) });
    await startRollout(await ctx(() => undefined), { strategy: 'canary', image: v1, subset: 'v1' });
    await sleep(1000);

    const figures: StepFigures[] = [];
    const pending: Promise<void>[] = [];
    let stepStarted = 0;
    const onLog = (line: string, at: number) => {
      // "route NAME: canary 30% v2 (accepted in 120 ms)", logged once the implementation took it.
      const match = /^route \S+: (canary (\d+)% v2) \(accepted in (\d+) ms\)$/.exec(line);
      if (/^deployment .*: available$/.test(line) || /^applied /.test(line)) stepStarted = at;
      if (!match) return;
      const weight = Number(match[2]);
      const acceptMs = Number(match[3]);
      const changedAt = stepStarted;
      const figure: StepFigures = { label: match[1]!, weight, ownMs: at - changedAt - acceptMs, acceptMs, convergenceMs: 0, errorPoints: 0 };
      figures.push(figure);
      pending.push((async () => {
        figure.convergenceMs = await converged(host, weight, changedAt);
        const observed = shares(await send(500, { host, concurrency: 16 }));
        figure.errorPoints = Math.abs((observed.v2 ?? 0) - weight);
      })());
      // The next step's change starts when this step's pause ends.
      stepStarted = at + pauseMs;
    };
    const started = performance.now();
    await startRollout(await ctx(onLog), { strategy: 'canary', image: v2, subset: 'v2' });
    await Promise.all(pending);
    const total = performance.now() - started;

    process.stdout.write('step            own ms  accept ms  convergence ms  split error (points, 500 requests)\n');
    for (const f of figures) {
      process.stdout.write(`${f.label.padEnd(16)}${f.ownMs.toFixed(0).padStart(6)}  ${String(f.acceptMs).padStart(9)}  ${f.convergenceMs.toFixed(0).padStart(14)}  ${f.errorPoints.toFixed(1)}\n`);
    }
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
    const own = median(figures.slice(1).map((f) => f.ownMs));
    const convergence = median(figures.map((f) => f.convergenceMs));
    process.stdout.write(
      `convergence median ${convergence.toFixed(0)} ms (target < 1000 ms: ${(convergence / 1000).toFixed(2)}x of budget); ` +
        `shipline's own time per step median ${own.toFixed(0)} ms (target < 200 ms: ${(own / 200).toFixed(2)}x of budget); ` +
        `max split error ${Math.max(...figures.map((f) => f.errorPoints)).toFixed(1)} points; whole canary ${(total / 1000).toFixed(1)} s with ${steps.length} pauses of ${pauseMs / 1000} s\n`,
    );
  } finally {
    await fixture.cleanup(client);
  }
}
