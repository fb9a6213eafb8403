// The CLI entry: parses arguments, runs a command, and is the only place that maps
// errors to exit codes and exits. Only the module of the command being run is loaded,
// so that start-up stays fast (the Kubernetes client alone takes most of a second).
import { Command, CommanderError } from 'commander';
import { describeError, exitCodeOf, ExitCode } from '../pipelines/errors.js';
import { toolVersion } from '../pipelines/version.js';
import { interruption, requestInterruption, stopsCleanly } from '../pipelines/interrupt.js';

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
};
/** Top-level command → the module that registers it. */
const moduleOf: Record<string, string> = { check: 'cluster', apply: 'cluster', diff: 'cluster', delete: 'cluster' };

const program = new Command('shipline')
  .description('From a commit or git tag to a multi-arch image and a traffic-shifted rollout.')
  .version(toolVersion(), '-V, --version')
  .showHelpAfterError()
  .exitOverride();

process.on('SIGINT', () => {
  if (stopsCleanly() && !interruption.aborted) {
    requestInterruption();
    process.stderr.write('\ninterrupted: stopping at the next safe point (Ctrl-C again to quit at once)\n');
    return;
  }
  process.stderr.write('\ninterrupted\n');
  process.exit(ExitCode.interrupted);
});

try {
  const name = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
  const wanted = name ? (moduleOf[name] ?? name) : undefined;
  const versionOnly = !name && process.argv.slice(2).some((arg) => arg === '-V' || arg === '--version');
  const load = wanted && modules[wanted] ? [modules[wanted]] : versionOnly ? [] : Object.values(modules);
  for (const register of await Promise.all(load.map((l) => l()))) register(program);
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exit(error.exitCode === 0 ? 0 : ExitCode.invalidInput);
  }
  process.stderr.write(`shipline: ${describeError(error)}\n`);
  // A step that failed because Ctrl-C reached its programs (buildx) is an interruption too.
  process.exit(interruption.aborted && exitCodeOf(error) === ExitCode.external ? ExitCode.interrupted : exitCodeOf(error));
}
