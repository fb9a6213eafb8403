// `shipline explain FIELD`: what a shipline.yaml field means, from the config's own schema.
import type { Command } from 'commander';

export function registerExplainCommands(program: Command): void {
  program
    .command('explain')
    .description("a shipline.yaml field's meaning, type, default and an example")
    .argument('[field]', 'a field path such as routing.rules.retries (no path: the sections)')
    .addHelpText('after', '\nExamples:\n  shipline explain routing.rules.retries\n  shipline explain rollout.gates\n  shipline explain')
    .action(async (field: string | undefined) => {
      const { explainField, formatFieldDoc } = await import('../../pipelines/config/explain.js');
      process.stdout.write(formatFieldDoc(explainField(field ?? '')));
    });
}
