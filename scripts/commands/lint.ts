// `shipline lint FILE...`: offline checks of hand-written Istio / Gateway API manifests
// against the real CRD schemas and shipline's routing rules.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../pipelines/errors.js';
import type { LintInput } from '../../manifests/lint.js';
import { loadLintEngine } from './lint-engine.js';

export function registerLintCommands(program: Command): void {
  program
    .command('lint')
    .description('check Istio / Gateway API manifests offline against their CRD schemas and routing rules')
    .argument('<files...>', 'YAML files, one or more documents each')
    .action(async (files: string[]) => {
      // Loaded on use: the CRD schemas, validators and CEL are not needed by other commands.
      const c0 = process.cpuUsage(); const ms = () => { const u = process.cpuUsage(c0); return ((u.user + u.system) / 1000).toFixed(0); };
      process.stderr.write(`T start ${(process.cpuUsage().user + process.cpuUsage().system) / 1000}\n`);
      const { formatFinding, lintManifests, saveCompiledCode } = await loadLintEngine();
      process.stderr.write(`T engine ${ms()}\n`);
      const inputs: LintInput[] = files.map((file) => {
        try {
          return { file, text: readFileSync(file, 'utf8') };
        } catch (error) {
          throw new InputError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { hint: 'check the path' });
        }
      });
      process.stderr.write(`T read ${ms()}\n`);
      const { findings, skipped } = lintManifests(inputs);
      process.stderr.write(`T lint ${ms()}\n`);
      saveCompiledCode();
      for (const note of skipped) process.stderr.write(`${note}\n`);
      for (const finding of findings) process.stdout.write(`${formatFinding(finding)}\n`);
      if (findings.length > 0) {
        const where = new Set(findings.map((f) => f.file)).size;
        throw new InputError(`${findings.length} finding${findings.length === 1 ? '' : 's'} in ${where} file${where === 1 ? '' : 's'}`, {
          hint: 'fix each field named above',
        });
      }
    });
}
