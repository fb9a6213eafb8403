import { existsSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { PreconditionError } from '../../pipelines/errors.js';
import { starterConfig } from '../../pipelines/config/starter.js';
import { configFromManifest } from '../../pipelines/rollout/init-from.js';
import { readManifests } from '../../pipelines/rollout/read-manifests.js';

export function registerInitCommands(program: Command): void {
  program
    .command('init')
    .description('write a commented starter shipline.yaml (or one for an existing manifest with --from)')
    .option('-o, --output <file>', 'where to write it', 'shipline.yaml')
    .option('--from <manifest>', 'an existing Kubernetes manifest (file or folder) with the service\'s Deployment (a kustomize folder is rendered with kubectl)')
    .option('--deployment <name>', 'with --from: the service\'s Deployment, when there are several')
    .option('--container <name>', 'with --from: the container whose image each version replaces (default: the first)')
    .option('--force', 'overwrite an existing file')
    .action(async (flags: { output: string; from?: string; deployment?: string; container?: string; force?: boolean }) => {
      if (existsSync(flags.output) && !flags.force) {
        throw new PreconditionError(`${flags.output} already exists`, { hint: 'pass --force to overwrite it, or -o another path' });
      }
      let text = starterConfig();
      if (flags.from) {
        const objects = await readManifests([flags.from], process.cwd(), 'shipline init', 'kubectl', () => '--from');
        const manifestPath = relative(dirname(resolve(flags.output)), resolve(flags.from)) || flags.from;
        text = configFromManifest(objects, flags.from, { manifestPath, deployment: flags.deployment, container: flags.container });
      }
      writeFileSync(flags.output, text);
      process.stdout.write(`wrote ${flags.output}\n`);
    });
}
