import { progress, verbosity } from '../../pipelines/verbosity.js';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { dryRunMode, dryRunOption } from '../command-kit/dry-run.js';
import { loadConfig } from '../../pipelines/config/load.js';
import { build, type BuildResult } from '../../pipelines/build/run.js';
import { commandLines } from '../../pipelines/build/command-lines.js';
import { describeAttestationCost } from '../../pipelines/build/attestation-cost.js';
import { checkTagOption, parsePlatformList } from '../../pipelines/build/inputs.js';
import { parseClock } from '../../pipelines/build/tag.js';
import { configOptionHelp } from '../../pipelines/config/find.js';
import { checkSmokeFlags, smokeAfterBuild, type SmokeFlags } from './build-smoke.js';

interface BuildOptions {
  config?: string;
  repository?: string;
  push?: boolean;
  oci?: string | false;
  tag?: string;
  date?: string;
  platform?: string;
  gitTag?: string;
  dryRun?: string | boolean;
  offline?: boolean;
  force?: boolean;
  json?: boolean;
}
type BuildFlags = BuildOptions & SmokeFlags;

function summary(result: BuildResult): string {
  const lines = [`image    ${result.plan.imageRef}`];
  if (result.tag.requested) lines.push(`note     ${result.tag.requested} was taken; tagged ${result.tag.tag}`);
  if (result.pinned) lines.push(`pinned   ${result.pinned}`);
  for (const p of result.platforms ?? []) lines.push(`platform ${p.platform.padEnd(12)} ${p.digest}`);
  if (result.ociPath) lines.push(`oci      ${result.ociPath}`);
  if (result.attestations) lines.push(`attest   ${describeAttestationCost(result.attestations)}`);
  return lines.join('\n');
}

export function registerBuildCommands(program: Command): void {
  program
    .command('build')
    .description('build the multi-arch image with docker buildx: push and/or write an OCI tarball')
    .option('-c, --config <file>', configOptionHelp)
    .option('--repository <name>', 'the image repository (overrides image.repository), e.g. ghcr.io/acme/link')
    .option('--push', 'push to the registry (overrides output.push)')
    .option('--no-push', 'do not push')
    .option('--oci <path>', 'also write an OCI image-layout tarball ({tag} is replaced)')
    .option('--no-oci', 'do not write the OCI tarball of the config')
    .option('--tag <tag>', 'date, semver, or a literal tag (overrides image.tag)')
    .option('--date <YYYY-MM-DD>', 'the date of a date tag (default: SOURCE_DATE_EPOCH, else today in UTC)')
    .option('--platform <list>', 'comma-separated platforms (overrides image.platforms)')
    .option('--git-tag <tag>', 'the git tag a semver tag comes from (default: CI variables, else the tag on HEAD)')
    .option('--force', 'overwrite a tag that already exists in the registry')
    .addOption(dryRunOption('print the exact commands, one per line, and change nothing'))
    .option('--offline', 'contact no registry (tags are not checked for a free date suffix)')
    .option('--json', 'print the result as JSON')
    .option('--smoke', 'then run the image on the Docker Engine until its port (and rollout.gates.http.path) answers')
    .option('--smoke-platform <os/arch>', "with --smoke: the platform to run (default: the Docker Engine's own)")
    .option('--smoke-timeout <seconds>', 'with --smoke: how long to wait for the port (and path) to answer', '30')
    .action(async (options: BuildFlags) => {
      const dryRun = dryRunMode(options.dryRun, ['client', 'none'], 'build', 'buildx has no server-side dry run') === 'client';
      const clock = parseClock(options.date, process.env.SOURCE_DATE_EPOCH) ?? new Date();
      const platforms = options.platform === undefined ? undefined : parsePlatformList(options.platform);
      if (options.tag !== undefined) checkTagOption(options.tag);
      const loaded = loadConfig(options.config, undefined, { repository: options.repository });
      // The sections build does not read are checked too: a config that is wrong anywhere is refused before the build.
      const { assertWholeConfig } = await import('../../pipelines/config/whole.js');
      assertWholeConfig(loaded.file, loaded.raw, { requireImage: true, positions: loaded.positions });
      checkSmokeFlags(options, platforms ?? loaded.config.image.platforms);
      const result = await build({
        loaded,
        clock,
        fixedDate: options.date !== undefined,
        tag: options.tag,
        gitTag: options.gitTag,
        overrides: {
          push: options.push,
          // A path on the command line is relative to where the user runs it.
          oci: typeof options.oci === 'string' ? resolve(options.oci) : options.oci,
          platforms,
        },
        dryRun,
        offline: options.offline,
        force: options.force,
        onLine: progress,
        logShown: verbosity() !== 'quiet',
      });
      for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
      // A smoke run that fails exits 3 after the build: the image stays pushed, and is named.
      const smoke = options.smoke ? await smokeAfterBuild(loaded, result, options, progress) : undefined;
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ ...result, commands: commandLines(result, process.cwd()), smoke }, null, 2)}\n`);
      } else if (result.dryRun) {
        process.stdout.write(`${[...commandLines(result, process.cwd()), ...(smoke ? [`# then ${smoke.plan}`] : [])].join('\n')}\n`);
      } else {
        const r = smoke?.result;
        process.stdout.write(`${summary(result)}${r ? `\nsmoke    ${r.platform}: ${r.path ? `${r.path} returned 2xx` : `port ${r.port} answered`} after ${(r.answeredMs / 1000).toFixed(2)} s` : ''}\n`);
      }
    });
}
