import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { stopsCleanlyOnInterrupt } from '../../pipelines/interrupt.js';
import { InputError } from '../../pipelines/errors.js';
import type { ReleaseSummary } from '../../pipelines/release/context.js';
import { withClusterFlags } from '../cluster-flags.js';
import { dryRunMode, dryRunOption } from '../dry-run.js';
import type { Strategy } from '../../pipelines/rollout/route-states.js';
import { configOptionHelp } from '../../pipelines/config/find.js';
import { parseTimeoutFlag } from '../../pipelines/cluster/timeout-flag.js';

interface Flags {
  config?: string;
  repository?: string;
  dryRun?: string | boolean;
  json?: boolean;
  strategy?: string;
  bundle?: string | boolean;
  yes?: boolean;
  skipBuild?: boolean;
  image?: string;
  subset?: string;
  date?: string;
  tag?: string;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  forceConflicts?: boolean;
  smoke: boolean;
  smokePlatform?: string;
  smokeTimeout: string;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

function human(summary: ReleaseSummary): string {
  const lines: string[] = [];
  if (summary.dryRun) {
    lines.push('dry run: nothing was pushed, applied or written', ...(summary.commands ?? []).map((c) => `  ${c}`));
    for (const takeover of summary.takeovers ?? []) lines.push(takeover);
    for (const diff of summary.diffs ?? []) lines.push(diff.trimEnd());
  }
  if (summary.tag) lines.push(`tag      ${summary.tag}`);
  if (summary.image) lines.push(`image    ${summary.image}`);
  for (const p of summary.platforms ?? []) lines.push(`platform ${p.platform.padEnd(12)} ${p.digest}`);
  if (summary.routingApi) lines.push(`routing  ${summary.routingApi}: ${summary.manifests.join(', ')}`);
  if (summary.rollout) lines.push(`rollout  ${summary.rollout.route} r${summary.rollout.revision} ${summary.rollout.subset} ${summary.rollout.state}: ${summary.rollout.steps.join(' → ')}`);
  if (summary.smoke) {
    const r = summary.smoke.result;
    lines.push(r ? `smoke    ${r.platform}: ${r.path ? `${r.path} returned 2xx` : `port ${r.port} answered`} after ${(r.answeredMs / 1000).toFixed(2)} s` : `smoke    ${summary.smoke.plan}`);
  }
  if (summary.bundle) lines.push(`bundle   ${summary.bundle.path} (${summary.bundle.size} bytes)`);
  for (const w of summary.warnings) lines.push(`warning  ${w}`);
  lines.push(`took     ${((summary.timings.total ?? 0) / 1000).toFixed(1)}s`);
  return lines.join('\n');
}

export function registerReleaseCommands(program: Command): void {
  withClusterFlags(program.command('release'), 'namespace of the route and its versions (default: routing.namespace)')
    .description('the whole pipeline: preflight → build → render → server dry-run + diff → roll out → record')
    .option('-c, --config <file>', configOptionHelp)
    .option('--repository <name>', 'push to this image repository (overrides image.repository), e.g. ghcr.io/acme/link')
    .option('--json', 'one JSON document on stdout; logs on stderr')
    .addOption(dryRunOption('print the full plan and push, apply and write nothing; client: commands and rendered manifests, server: also dry-run and diff the manifests on the server'))
    .option('--strategy <name>', 'canary, mirror, header or subset (default: rollout.strategy)')
    .option('--bundle [file]', 'also write an air-gap bundle of the image and manifests')
    .option('-y, --yes', 'do not ask before changing the cluster')
    .option('--skip-build', 'release an image built before (with --image)')
    .option('--image <ref@digest>', 'the pinned image to release with --skip-build')
    .option('--subset <name>', 'subset / version label of the new version (default: from the tag)')
    .option('--date <YYYY-MM-DD>', 'the date of a date tag')
    .option('--tag <tag>', 'date, semver, or a literal tag (overrides image.tag)')
    .option('--no-smoke', 'do not run the new image on the Docker Engine before the cluster')
    .option('--smoke-platform <os/arch>', "the image's platform to smoke-run (default: the Docker Engine's own)")
    .option('--smoke-timeout <seconds>', 'how long the smoke run waits for the port (and path) to answer', '30')
    .option('--force-conflicts', "take over fields other managers own in the workload manifests' objects too (the route routing.name names is taken over regardless)")
    .action(async (flags: Flags) => {
      stopsCleanlyOnInterrupt();
      const dryRun = dryRunMode(flags.dryRun, ['client', 'server', 'none'], 'release', '');
      if (flags.strategy !== undefined && !['canary', 'mirror', 'header', 'subset'].includes(flags.strategy)) {
        throw new InputError(`--strategy ${flags.strategy}: unknown strategy`, { hint: 'use canary, mirror, header or subset' });
      }
      const smokeTimeoutMs = parseTimeoutFlag(flags.smokeTimeout, '--smoke-timeout');
      const tty = Boolean(process.stdout.isTTY && process.stdin.isTTY) && process.env.CI !== 'true';
      // The release pipeline (and the Kubernetes client under it) loads only when a release runs.
      const { release } = await import('../../pipelines/release/run.js');
      const summary = await release(
        {
          config: flags.config,
          repository: flags.repository,
          dryRun: dryRun !== 'none',
          dryRunMode: dryRun === 'none' ? undefined : dryRun,
          strategy: flags.strategy as Strategy | undefined,
          bundle: flags.bundle,
          yes: flags.yes ?? false,
          skipBuild: flags.skipBuild ?? false,
          image: flags.image,
          subset: flags.subset,
          date: flags.date,
          tag: flags.tag,
          kubeconfig: flags.kubeconfig,
          context: flags.context,
          namespace: flags.namespace,
          forceConflicts: flags.forceConflicts,
          smoke: flags.smoke,
          smokePlatform: flags.smokePlatform,
          smokeTimeoutMs,
        },
        { tty, json: flags.json ?? false, confirm },
      );
      process.stdout.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : `${human(summary)}\n`);
    });
}
