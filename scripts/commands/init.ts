import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { PreconditionError } from '../../pipelines/errors.js';
import { starterConfig } from '../../pipelines/config/starter.js';

export function registerInitCommands(program: Command): void {
  program
    .command('init')
    .description('write a commented starter shipline.yaml')
    .option('-o, --output <file>', 'where to write it', 'shipline.yaml')
    .option('--force', 'overwrite an existing file')
    .action((flags: { output: string; force?: boolean }) => {
      if (existsSync(flags.output) && !flags.force) {
        throw new PreconditionError(`${flags.output} already exists`, { hint: 'pass --force to overwrite it, or -o another path' });
      }
      writeFileSync(flags.output, starterConfig());
      process.stdout.write(`wrote ${flags.output}\n`);
    });
}
