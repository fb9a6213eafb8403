// The CLI entry: parses arguments, runs a command, and is the only place that maps
// errors to exit codes and exits. Only the module of the command being run is loaded,
// so that start-up stays fast (the Kubernetes client alone takes most of a second).
import { Command, CommanderError, Option } from 'commander';
import { describeError, exitCodeOf, ExitCode, ShiplineError } from '../pipelines/errors.js';
import { toolVersion } from '../pipelines/version.js';
import { interruption, requestInterruption, stopsCleanly } from '../pipelines/interrupt.js';
import { addHelpTexts } from './help-examples.js';
import { setVerbosity } from '../pipelines/verbosity.js';
import { formatError } from './command-kit/colour.js';
import { commanderErrorLine, preferUnknownOption } from './usage-error.js';
import { bareDryRun } from './command-kit/dry-run.js';

type Register = (program: Command) => void;

const modules: Record<string, () => Promise<Register>> = {
  stack: () => import('./commands/stack.js').then((m) => m.registerStackCommands),
  build: () => import('./commands/build.js').then((m) => m.registerBuildCommands),
  render: () => import('./commands/render.js').then((m) => m.registerRenderCommands),
  lint: () => import('./commands/lint.js').then((m) => m.registerLintCommands),
  cluster: () => import('./commands/cluster.js').then((m) => m.registerClusterCommands),
  rollout: () => import('./commands/rollout.js').then((m) => m.registerRolloutCommands),
  release: () => import('./commands/release.js').then((m) => m.registerReleaseCommands),
  bundle: () => import('./commands/bundle.js').then((m) => m.registerBundleCommands),
  init: () => import('./commands/init.js').then((m) => m.registerInitCommands),
  explain: () => import('./commands/explain.js').then((m) => m.registerExplainCommands),
  version: () => import('./commands/version.js').then((m) => m.registerVersionCommand),
  completion: () => import('./commands/completion.js').then((m) => m.registerCompletionCommand),
};
/** Top-level command → the module that registers it. */
const moduleOf: Record<string, string> = { check: 'cluster', apply: 'cluster', diff: 'cluster', delete: 'cluster', validate: 'lint' };
/** Commands that need every other command registered (completion scripts list them all). */
const needsAll = new Set(['completion']);

const program = new Command('shipline')
  .description('From a commit or git tag to a multi-arch image and a traffic-shifted rollout.')
  .version(toolVersion(), '-V, --version')
  .addOption(new Option('-v, --verbose', 'also print the programs run and the requests sent').conflicts('quiet'))
  .addOption(new Option('-q, --quiet', 'print only errors and the result'))
  // Usage errors are printed as one line by the catch below, not with the whole help.
  .configureOutput({ outputError: () => undefined })
  // Help fits a terminal and stays within 100 columns on a wide one or in a pipe.
  .configureHelp({ helpWidth: Math.min(process.stdout.columns || 100, 100) })
  .exitOverride()
  .hook('preAction', () => {
    const { verbose, quiet } = program.opts<{ verbose?: boolean; quiet?: boolean }>();
    setVerbosity(verbose ? 'verbose' : quiet ? 'quiet' : 'normal');
  });

process.on('SIGINT', () => {
  if (stopsCleanly() && !interruption.aborted) {
    requestInterruption();
    process.stderr.write('\ninterrupted: stopping at the next safe point (Ctrl-C again to quit at once)\n');
    return;
  }
  process.stderr.write('\ninterrupted\n');
  process.exit(ExitCode.interrupted);
});

const args = process.argv.slice(2);
try {
  const name = args.find((arg) => !arg.startsWith('-'));
  const wanted = name ? (moduleOf[name] ?? name) : undefined;
  const versionOnly = !name && args.some((arg) => arg === '-V' || arg === '--version');
  const load = wanted && modules[wanted] && !needsAll.has(wanted) ? [modules[wanted]] : versionOnly ? [] : Object.values(modules);
  for (const register of await Promise.all(load.map((l) => l()))) register(program);
  addHelpTexts(program);
  await program.parseAsync([...process.argv.slice(0, 2), ...bareDryRun(args)]);
} catch (error) {
  if (error instanceof CommanderError) {
    const line = commanderErrorLine(program, args, preferUnknownOption(program, args, error));
    if (line) process.stderr.write(formatError(line, undefined));
    process.exit(error.exitCode === 0 ? 0 : ExitCode.invalidInput);
  }
  process.stderr.write(error instanceof ShiplineError ? formatError(error.message, error.hint) : formatError(describeError(error), undefined));
  // A step that failed because Ctrl-C reached its programs (buildx) is an interruption too.
  process.exit(interruption.aborted && exitCodeOf(error) === ExitCode.external ? ExitCode.interrupted : exitCodeOf(error));
}
