// The CLI entry: parses arguments, runs a command, and is the only place that maps
// errors to exit codes and exits.
import { Command, CommanderError } from 'commander';
import { describeError, exitCodeOf, ExitCode } from '../pipelines/errors.js';
import { registerBuildCommands } from './commands/build.js';
import { registerClusterCommands } from './commands/cluster.js';
import { registerReleaseCommands } from './commands/release.js';
import { registerRolloutCommands } from './commands/rollout.js';
import { registerStackCommands } from './commands/stack.js';
import { registerBundleCommands } from './commands/bundle.js';
import { registerRenderCommands } from './commands/render.js';

const program = new Command('shipline')
  .description('From a commit or git tag to a multi-arch image and a traffic-shifted rollout.')
  .showHelpAfterError()
  .exitOverride();

registerStackCommands(program);
registerBundleCommands(program);
registerRenderCommands(program);
registerBuildCommands(program);
registerClusterCommands(program);
registerRolloutCommands(program);
registerReleaseCommands(program);

process.once('SIGINT', () => {
  process.stderr.write('\ninterrupted\n');
  process.exit(ExitCode.interrupted);
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) process.exit(0);
    process.exit(ExitCode.invalidInput);
  }
  process.stderr.write(`shipline: ${describeError(error)}\n`);
  process.exit(exitCodeOf(error));
}

