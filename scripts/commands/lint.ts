// `shipline lint FILE...`: offline checks of hand-written Istio / Gateway API manifests
// against the real CRD schemas and shipline's routing rules.
import { progress } from '../../pipelines/verbosity.js';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../pipelines/errors.js';
import type { LintInput } from '../../manifests/lint.js';

export function registerLintCommands(program: Command): void {
  program
    .command('lint')
    .description('check Istio / Gateway API manifests offline against their CRD schemas and routing rules')
    .argument('<files...>', 'YAML files, one or more documents each')
    .action(async (files: string[]) => {
      // Loaded on use: ajv and the CRD schemas are not needed by other commands.
      const { formatFinding, lintManifests } = await import('../../manifests/lint.js');
      const inputs: LintInput[] = files.map((file) => {
        try {
          return { file, text: readFileSync(file, 'utf8') };
        } catch (error) {
          throw new InputError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { hint: 'check the path' });
        }
      });
      const { findings, skipped } = lintManifests(inputs);
      for (const note of skipped) progress(note);
      for (const finding of findings) process.stdout.write(`${formatFinding(finding)}\n`);
      if (findings.length > 0) {
        const where = new Set(findings.map((f) => f.file)).size;
        throw new InputError(`${findings.length} finding${findings.length === 1 ? '' : 's'} in ${where} file${where === 1 ? '' : 's'}`, {
          hint: 'fix each field named above',
        });
      }
    });
}
