import { progress } from '../../pipelines/verbosity.js';
import { setTimeout } from 'node:timers/promises';
import type { Command } from 'commander';
import { interruption, stopsCleanlyOnInterrupt } from '../../pipelines/interrupt.js';
import { durationPattern } from '../../pipelines/model/duration.js';
import { loadConfig } from '../../pipelines/config/load.js';
import { InputError } from '../../pipelines/errors.js';
import { ms, parseSteps } from '../../pipelines/config/rollout.js';
import type { RolloutSummary } from '../../pipelines/rollout/run.js';
import type { Strategy } from '../../pipelines/rollout/route-states.js';
import { configOptionHelp } from '../../pipelines/config/find.js';
import { withClusterFlags, withNamespace, type ClusterFlags } from '../command-kit/cluster-flags.js';
import { outputApiVersion, outputFormat, printReport, withOutput, type OutputFlags } from '../command-kit/output-format.js';
import { kubectlName } from '../../pipelines/cluster/documents.js';

interface Flags extends ClusterFlags {
  config?: string;
  json?: boolean;
}

const log = progress;
/** The rollout pipeline, and the Kubernetes client under it, load only when a subcommand runs (not for help). */
const runner = () => import('../../pipelines/rollout/run.js');

function print(summary: RolloutSummary | object, json?: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else if ('revision' in summary) {
    const s = summary as RolloutSummary;
    process.stdout.write(`route ${s.route}: r${s.revision} ${s.subset} ${s.state}${s.previous ? ` (stable before: ${s.previous})` : ''}\n${s.steps.map((x) => `  ${x}`).join('\n')}\n`);
  }
}

function common(command: Command, json = true): Command {
  withClusterFlags(command.option('-c, --config <file>', configOptionHelp), 'namespace of the route and its versions (default: routing.namespace)');
  return json ? command.option('--json', 'machine-readable output') : command;
}

async function context(flags: Flags & { forceConflicts?: boolean }, strategy?: Strategy) {
  const { rolloutContext } = await import('../../pipelines/rollout/context.js');
  return rolloutContext(withNamespace(loadConfig(flags.config), flags.namespace), {
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    log,
    strategyNeeds: strategy === 'mirror' ? { mirror: true, mirrorPercent: true } : undefined,
    forceConflicts: flags.forceConflicts,
  });
}

async function writeOrPrint(text: string, path: string | undefined): Promise<void> {
  if (path === undefined) {
    process.stdout.write(text);
    return;
  }
  const { writeReportFile } = await import('../../pipelines/report/write.js');
  const bytes = writeReportFile(path, text);
  process.stderr.write(`report written to ${path} (${Math.round(bytes / 1024)} KB)\n`);
}

export function registerRolloutCommands(program: Command): void {
  const rollout = program.command('rollout').description('deploy a new version and shift traffic to it, step by step');
  for (const strategy of ['canary', 'mirror', 'header', 'subset'] as const) {
    const describe = {
      canary: 'move weight to the new version through rollout.steps, with a pause and gates between steps',
      mirror: 'copy rollout.mirrorPercent of requests to the new version while the stable one serves all',
      header: 'send requests with rollout.header to the new version',
      subset: 'DestinationRule subsets; requests with header version: <new> go to the new version',
    }[strategy];
    common(rollout.command(strategy))
      .description(describe)
      .requiredOption('--image <ref@digest>', 'the new version, pinned by digest (as `shipline build` prints it)')
      .option('--subset <name>', 'its subset / version label (default: from the image tag)')
      .option('--steps <list>', 'canary weights, e.g. 10,25,50,100 (default: rollout.steps)')
      .option('--pause <duration>', 'pause between steps, e.g. 30s (default: rollout.pause)')
      .option('--force-conflicts', "take over fields other managers own in the workload manifests' objects too (the route routing.name names is taken over regardless)")
      .action(async (flags: Flags & { image: string; subset?: string; steps?: string; pause?: string; forceConflicts?: boolean }) => {
        stopsCleanlyOnInterrupt();
        const steps = flags.steps === undefined ? undefined : parseSteps(flags.steps);
        if (flags.pause !== undefined && !durationPattern.test(flags.pause)) {
          throw new InputError(`--pause ${flags.pause}: not a duration`, { hint: 'e.g. --pause 30s or --pause 500ms' });
        }
        const ctx = await context(flags, strategy);
        if (steps) ctx.rollout.steps = steps;
        if (flags.pause) ctx.rollout.pause = flags.pause;
        const { startRollout } = await runner();
        print(await startRollout(ctx, { strategy, image: flags.image, subset: flags.subset }), flags.json);
      });
  }
  // -o and --json come from withOutput here.
  withOutput(common(rollout.command('status'), false))
    .description("current release, step, weights and versions; with --watch, each version's traffic too, refreshed")
    .option('-w, --watch', "refresh every --interval, with each version's request rate, success rate and p99 from the data plane's metrics")
    .option('--interval <duration>', 'time between refreshes with --watch', '2s')
    .option('--window <duration>', 'how far back the traffic numbers look', '30s')
    .option('--times <n>', 'with --watch: stop after n refreshes (default: until Ctrl-C)')
    .action(async (flags: Flags & OutputFlags & { watch?: boolean; interval: string; window: string; times?: string }) => {
      const format = outputFormat(flags);
      if (flags.watch && format !== 'text' && format !== 'json') {
        throw new InputError(`--watch -o ${format}: --watch prints text, or one JSON document per line with -o json`, { hint: 'drop --watch for a single status, or use -o json' });
      }
      for (const [name, value] of [['--interval', flags.interval], ['--window', flags.window]] as const) {
        if (!durationPattern.test(value) || ms(value) === 0) throw new InputError(`${name} ${value}: not a duration longer than 0`, { hint: `e.g. ${name} 2s` });
      }
      const times = flags.times === undefined ? undefined : Number(flags.times);
      if (times !== undefined && !(Number.isInteger(times) && times > 0)) throw new InputError(`--times ${flags.times}: not a whole number above 0`, { hint: 'e.g. --times 5' });
      const ctx = await context(flags);
      const { formatStatus, rolloutStatus } = await import('../../pipelines/rollout/status.js');
      if (!flags.watch) {
        const status = await rolloutStatus(ctx);
        const routeKind = { apiVersion: ctx.choice.apiVersion, kind: ctx.choice.api === 'istio' ? 'VirtualService' : 'HTTPRoute' };
        await printReport(flags, {
          kind: 'RolloutStatus',
          data: status,
          text: () => formatStatus(status),
          names: () => [kubectlName({ ...routeKind, metadata: { name: status.route } }), ...status.versions.map((v) => kubectlName({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: v.name } }))],
        });
        return;
      }
      stopsCleanlyOnInterrupt();
      const [{ statusSubsets, versionTraffic }, { watchStatus }] = await Promise.all([import('../../pipelines/rollout/status-traffic.js'), import('../../pipelines/rollout/status-watch.js')]);
      const read = async () => {
        const status = await rolloutStatus(ctx);
        const traffic = await versionTraffic(ctx, statusSubsets(status, ctx.service, ctx.choice.api), ms(flags.window), flags.window);
        // Each JSON line is a RolloutStatus document, as without --watch, plus the time and traffic.
        return { apiVersion: outputApiVersion, kind: 'RolloutStatus', ...status, observedAt: new Date().toISOString(), traffic };
      };
      const sleep = (milliseconds: number) => setTimeout(milliseconds, undefined, { signal: interruption }).catch(() => undefined);
      await watchStatus(read, { write: (t) => process.stdout.write(t), isTTY: !!process.stdout.isTTY && format !== 'json' }, { json: format === 'json', intervalMs: ms(flags.interval), sleep, stop: interruption, times });
    });
  common(rollout.command('report'), false)
    .description('one self-contained HTML page of a release (weights, traffic, gate checks, build), or its data as JSON')
    .option('--release <n>', 'the revision of the release (default: the newest)')
    .option('-o, --output <file>', 'write the report to this file (default: stdout)')
    .option('--json', 'the data the report is drawn from, as JSON')
    .action(async (flags: Flags & { release?: string; output?: string; json?: boolean }) => {
      const revision = flags.release === undefined ? undefined : Number(flags.release);
      if (revision !== undefined && !(Number.isInteger(revision) && revision > 0)) {
        throw new InputError(`--release ${flags.release}: not a revision number`, { hint: 'e.g. --release 3 (`shipline rollout status` shows the current one)' });
      }
      const { checkReportPath } = await import('../../pipelines/report/write.js');
      const path = flags.output === undefined ? undefined : checkReportPath(flags.output, '--output');
      const { reportText } = await import('../../pipelines/report/output.js');
      const report = await (await import('../../pipelines/report/make.js')).makeReport(await context(flags), { revision, apiVersion: outputApiVersion });
      await writeOrPrint(reportText(report, flags.json ? 'json' : 'html'), path);
    });
  common(rollout.command('promote')).description('send 100% to the new version and scale the old one down').action(async (flags: Flags) => {
    print(await (await runner()).promoteRollout(await context(flags)), flags.json);
  });
  common(rollout.command('abort')).description('go back to the previous split and scale the new version down').action(async (flags: Flags) => {
    print(await (await runner()).abortRollout(await context(flags)), flags.json);
  });
  common(rollout.command('rollback')).description('restore the previous release from the history kept in the cluster').action(async (flags: Flags) => {
    print(await (await runner()).rollbackRollout(await context(flags)), flags.json);
  });
}
