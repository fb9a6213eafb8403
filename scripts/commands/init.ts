import { existsSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../pipelines/errors.js';
import { projectRoot } from '../../pipelines/project-root.js';
import { schemaLine, starterConfig } from '../../pipelines/config/starter.js';
import { configFromManifest } from '../../pipelines/rollout/init-from.js';
import { readManifests } from '../../pipelines/rollout/read-manifests.js';

/** The JSON Schema of the shipline that runs (checkout or installed package), as seen from `output`. */
export function schemaRef(output: string): string {
  const schema = join(projectRoot, 'schema', 'shipline.schema.json');
  const rel = relative(dirname(resolve(output)), schema);
  return rel.startsWith('..') || isAbsolute(rel) ? schema : `./${rel}`;
}

export function registerInitCommands(program: Command): void {
  program
    .command('init')
    .description('write a commented starter shipline.yaml (or one for an existing manifest with --from)')
    .option('-o, --output <file>', 'where to write it', 'shipline.yaml')
    .option('--from <manifest>', 'an existing Kubernetes manifest (file or folder) with the service\'s Deployment (a kustomize folder is rendered with kubectl)')
    .option('--deployment <name>', 'with --from: the service\'s Deployment, when there are several')
    .option('--container <name>', 'with --from: the container whose image each version replaces (default: the first)')
    .option('--force', 'overwrite an existing file')
    .addHelpText('after', '\nExamples:\n  shipline init\n  shipline init --from deploy/ --deployment api\n  shipline explain routing.rules   # what a field means')
    .action(async (flags: { output: string; from?: string; deployment?: string; container?: string; force?: boolean }) => {
      if (existsSync(flags.output) && !flags.force) {
        throw new InputError(`${flags.output} already exists; nothing was written`, { hint: 'pass --force to overwrite it, or -o another path' });
      }
      const ref = schemaRef(flags.output);
      let text = starterConfig(ref);
      if (flags.from) {
        const objects = await readManifests([flags.from], process.cwd(), 'shipline init', 'kubectl', () => '--from');
        const manifestPath = relative(dirname(resolve(flags.output)), resolve(flags.from)) || flags.from;
        const generated = configFromManifest(objects, flags.from, { manifestPath, deployment: flags.deployment, container: flags.container });
        text = generated.replace(/^# yaml-language-server: \$schema=.*$/m, schemaLine(ref));
      }
      writeFileSync(flags.output, text);
      process.stdout.write(`wrote ${flags.output}\n`);
    });
}
