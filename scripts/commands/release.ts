import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { stopsCleanlyOnInterrupt } from '../../pipelines/interrupt.js';
import { InputError } from '../../pipelines/errors.js';
import type { ReleaseOptions, ReleaseSummary } from '../../pipelines/release/context.js';
import { describeAttestationCost } from '../../pipelines/build/attestation-cost.js';
import { withClusterFlags } from '../command-kit/cluster-flags.js';
import { dryRunMode, dryRunOption } from '../command-kit/dry-run.js';
import type { Strategy } from '../../pipelines/rollout/route-states.js';
import { configOptionHelp } from '../../pipelines/config/find.js';
import { parseTimeoutFlag } from '../../pipelines/cluster/timeout-flag.js';

/** The release's options (pipelines/release/context.ts) as commander gives them: the flags it checks first stay text. */
type Flags = Partial<Omit<ReleaseOptions, 'dryRun' | 'dryRunMode' | 'strategy' | 'smokeTimeoutMs'>> & {
  dryRun?: string | boolean;
  strategy?: string;
  json?: boolean;
  smokeTimeout: string;
};

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
  if (summary.attestations) lines.push(`attest   ${describeAttestationCost(summary.attestations)}`);
  if (summary.routingApi) lines.push(`routing  ${summary.routingApi}: ${summary.manifests.join(', ')}`);
  if (summary.rollout) lines.push(`rollout  ${summary.rollout.route} r${summary.rollout.revision} ${summary.rollout.subset} ${summary.rollout.state}: ${summary.rollout.steps.join(' → ')}`);
  if (summary.smoke) {
    const r = summary.smoke.result;
    lines.push(r ? `smoke    ${r.platform}: ${r.path ? `${r.path} returned 2xx` : `port ${r.port} answered`} after ${(r.answeredMs / 1000).toFixed(2)} s` : `smoke    ${summary.smoke.plan}`);
  }
  if (summary.bundle) lines.push(`bundle   ${summary.bundle.path} (${summary.bundle.size} bytes)`);
  if (summary.report) lines.push(`report   ${summary.report.path} (r${summary.report.revision}, ${Math.round(summary.report.size / 1024)} KB)`);
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
    .option('--report <file>', "write its HTML report (weights, traffic, checks), promoted or aborted")
    .option('-y, --yes', 'do not ask before changing the cluster')
    .option('--skip-build', 'release an image built before (with --image)')
    .option('--image <ref@digest>', 'the pinned image to release with --skip-build')
    .option('--subset <name>', 'subset / version label of the new version (default: from the tag)')
    .option('--date <YYYY-MM-DD>', 'the date of a date tag')
    .option('--tag <tag>', 'date, semver, or a literal tag (overrides image.tag)')
    .option('--no-smoke', 'do not run the new image on the Docker Engine before the cluster')
    .option('--smoke-platform <os/arch>', "the image's platform to smoke-run (default: the Docker Engine's own)")
    .option('--smoke-timeout <seconds>', 'wait this long for the port (and path) to answer', '30')
    .option('--force-conflicts', "take over fields other managers own in the workload manifests' objects too (the route routing.name names is taken over regardless)")
    .action(async (flags: Flags) => {
      stopsCleanlyOnInterrupt();
      const dryRun = dryRunMode(flags.dryRun, ['client', 'server', 'none'], 'release', '');
      if (flags.strategy !== undefined && !['canary', 'mirror', 'header', 'subset'].includes(flags.strategy)) {
        throw new InputError(`--strategy ${flags.strategy}: unknown strategy`, { hint: 'use canary, mirror, header or subset' });
      }
      if (flags.report !== undefined && dryRun !== 'none') throw new InputError('--report with --dry-run: a dry run makes no release to report', { hint: 'drop --dry-run, or --report' });
      const smokeTimeoutMs = parseTimeoutFlag(flags.smokeTimeout, '--smoke-timeout');
      const { checkReportPath } = await import('../../pipelines/report/write.js');
      const report = flags.report === undefined ? undefined : checkReportPath(flags.report, '--report');
      const tty = Boolean(process.stdout.isTTY && process.stdin.isTTY) && process.env.CI !== 'true';
      // The release pipeline (and the Kubernetes client under it) loads only when a release runs.
      const { release } = await import('../../pipelines/release/run.js');
      const { dryRun: _dryRun, strategy, json, yes, skipBuild, report: _report, smokeTimeout: _smokeTimeout, ...passed } = flags;
      const options: ReleaseOptions = {
        ...passed,
        dryRun: dryRun !== 'none',
        dryRunMode: dryRun === 'none' ? undefined : dryRun,
        strategy: strategy as Strategy | undefined,
        yes: yes ?? false,
        skipBuild: skipBuild ?? false,
        report,
        smokeTimeoutMs,
      };
      const summary = await release(options, { tty, json: json ?? false, confirm });
      process.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : `${human(summary)}\n`);
    });
}
