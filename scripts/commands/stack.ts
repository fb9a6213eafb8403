import { progress } from '../../pipelines/verbosity.js';
import type { Command } from 'commander';

const log = progress;
/** The stack's pipeline (and the Kubernetes client under it) loads only when a subcommand runs, not for help. */
const stackPipeline = () => import('../../pipelines/stack/stack.js');

export function registerStackCommands(program: Command): void {
  const stack = program.command('stack').description('the local stack of real parts on 127.0.0.1');
  stack
    .command('up')
    .description('install what is missing and start every part (idempotent)')
    .action(async () => {
      const { formatStatus, stackStatus, stackUp } = await stackPipeline();
      await stackUp(log);
      const status = await stackStatus();
      process.stdout.write(`${formatStatus(status)}\n`);
      if (status.parts.some((p) => !p.up)) process.exitCode = 1;
    });
  stack
    .command('down')
    .description('stop exactly what `up` started')
    .action(async () => {
      const { stackDown } = await stackPipeline();
      await stackDown(log);
    });
  stack
    .command('packages')
    .description('the Debian packages the stack and the benchmarks install, one line per part (`--plain`: one package per line)')
    .option('--plain', 'package names only, sorted, one per line')
    .action(async (options: { plain?: boolean }) => {
      const byPart = (await stackPipeline()).debianPackagesByPart();
      const lines = options.plain
        ? [...new Set(Object.values(byPart).flat())].sort()
        : Object.entries(byPart).map(([part, pkgs]) => `${part.padEnd(20)} ${pkgs.join(' ')}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  stack
    .command('status')
    .description('one line per part: name, version, up/down, address; non-zero exit if any is down')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const { formatStatus, stackStatus } = await stackPipeline();
      const status = await stackStatus();
      process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(status)}\n`);
      if (status.parts.some((p) => !p.up)) process.exitCode = 1;
    });
}
