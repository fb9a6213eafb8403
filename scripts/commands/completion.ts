// `shipline completion bash|zsh|fish`: prints the completion script for that shell.
import { Argument, type Command } from 'commander';
import { completionScript, shells, type Shell } from '../command-kit/completion.js';

export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (commands, options, their choices)')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(shells))
    .action((shell: Shell) => {
      process.stdout.write(completionScript(shell, program));
    });
}
