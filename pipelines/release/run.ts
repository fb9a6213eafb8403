// Runs the release pipeline as a listr2 task list: a live tree on a terminal, plain
// timestamped lines without one (CI), logs on stderr under --json.
import { Listr, ListrLogger, PRESET_TIMER, PRESET_TIMESTAMP, ProcessOutput, type ListrTask } from 'listr2';
import { verbosity } from '../verbosity.js';
import { rmSync } from 'node:fs';
import { commandLines } from '../build/command-lines.js';
import { InterruptedError, RolloutAbortedError } from '../errors.js';
import { writeReleaseReport } from './report-file.js';
import { checkInterrupted, interruption } from '../interrupt.js';
import type { ReleaseOptions, ReleaseState, ReleaseSummary } from './context.js';
import { buildImage, makeBundle, preflight, renderAndDiff, rollOut, validate, withProgress, type Report } from './steps.js';
import { localStack, onLocalStack } from './local-stack.js';
import { smokeStep } from './smoke-step.js';

export interface ReleaseIo {
  tty: boolean;
  json: boolean;
  /** Asks before the cluster is changed; undefined when no one can answer. */
  confirm?: (question: string) => Promise<boolean>;
}

/** What was done before an interruption, and how to go on. */
function doneHint(state: ReleaseState): string {
  return state.done.length > 0 ? `already done: ${state.done.join('; ')}; run the release again to continue` : 'nothing was changed';
}

type Step = (state: ReleaseState, report: Report) => Promise<void> | void;

function task(title: string, step: Step, enabled: (s: ReleaseState) => boolean = () => true): ListrTask<ReleaseState> {
  return {
    title,
    enabled: (state) => enabled(state),
    rendererOptions: { bottomBar: 6, persistentOutput: false },
    task: async (state, t) => {
      const started = Date.now();
      checkInterrupted(`before "${title}"`, { hint: doneHint(state) });
      try {
        await step(state, (line) => {
          t.output = line;
        });
      } catch (error) {
        if (interruption.aborted && !(error instanceof InterruptedError)) {
          // Ctrl-C reached the step's programs (buildx stops, its partial tarball is removed).
          throw new InterruptedError(`interrupted during "${title}": ${(error as Error).message.split('\n')[0]}`, { hint: doneHint(state), cause: error });
        }
        throw withProgress(error, state, title);
      } finally {
        state.timings[title] = Date.now() - started;
      }
    },
  };
}

function list(tasks: ListrTask<ReleaseState>[], state: ReleaseState, io: ReleaseIo): Listr<ReleaseState> {
  const stream = io.json ? process.stderr : process.stdout;
  const logger = new ListrLogger({ processOutput: new ProcessOutput(stream, process.stderr) });
  return new Listr<ReleaseState>(tasks, {
    ctx: state,
    exitOnError: true,
    // Ctrl-C is the CLI's: it asks the steps to stop at a safe point (listr2 would exit 127).
    registerSignalListeners: false,
    // --quiet: only errors and the result (the summary the command prints).
    renderer: verbosity() === 'quiet' ? 'silent' : io.tty && !io.json ? 'default' : 'simple',
    fallbackRenderer: 'simple',
    rendererOptions: io.tty && !io.json ? { collapseSubtasks: true, showErrorMessage: true, timer: PRESET_TIMER } : { timestamp: PRESET_TIMESTAMP, logger },
    fallbackRendererOptions: { timestamp: PRESET_TIMESTAMP, logger },
  } as ConstructorParameters<typeof Listr<ReleaseState>>[1]);
}

export function summarize(state: ReleaseState): ReleaseSummary {
  const build = state.build;
  return {
    dryRun: state.options.dryRun,
    config: state.loaded?.file ?? '',
    tag: build?.plan.tag,
    image: state.image,
    platforms: build?.platforms,
    attestations: build?.attestations,
    commands: state.options.dryRun && build ? commandLines(build, process.cwd()) : undefined,
    routingApi: state.api?.apiVersion,
    manifests: state.preview?.objects.map((o) => `${o.kind}/${o.metadata.name}`) ?? [],
    diffs: state.options.dryRun ? state.preview?.diffs : undefined,
    takeovers: state.takeovers?.length ? state.takeovers : undefined,
    rollout: state.rolloutResult,
    bundle: state.bundle,
    report: state.report,
    smoke: state.smoke,
    warnings: state.warnings,
    timings: state.timings,
  };
}

function isAborted(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) if (e instanceof RolloutAbortedError) return true;
  return false;
}

/** The report of a release that did not finish; failing to write it does not hide why the release stopped. */
async function reportAfterFailure(state: ReleaseState, path: string, how: 'aborted' | 'failed'): Promise<void> {
  try {
    await writeReleaseReport(state, path);
    process.stderr.write(`report of the ${how} release written to ${path}\n`);
  } catch (error) {
    process.stderr.write(`warning: the report of the ${how} release was not written: ${(error as Error).message}\n`);
  }
}

export async function release(options: ReleaseOptions, io: ReleaseIo): Promise<ReleaseSummary> {
  const state: ReleaseState = { options, warnings: [], timings: {}, done: [] };
  try {
    return await runRelease(state, io);
  } finally {
    if (state.temporaryDir) rmSync(state.temporaryDir, { recursive: true, force: true });
  }
}

async function runRelease(state: ReleaseState, io: ReleaseIo): Promise<ReleaseSummary> {
  const { options } = state;
  const started = Date.now();
  // The live tree shows only the last lines of a step; the plain renderer prints them all.
  state.linesShown = !io.tty || io.json;
  validate(state);
  const local = onLocalStack(state);
  const beforeRollout = list(
    [
      task('Local stack (first start installs and builds its parts)', localStack, () => local && !options.dryRun),
      task('Preflight: builder, registry, cluster', preflight),
      task('Build the multi-arch image', buildImage, (s) => !s.options.skipBuild),
      task('Smoke-run the image on the Docker Engine', smokeStep, (s) => s.options.smoke !== false),
      task('Render, server dry-run and diff', renderAndDiff),
    ],
    state,
    io,
  ).run();
  await beforeRollout.catch((error: unknown) => {
    if (options.report) process.stderr.write(`no report written to ${options.report}: the release stopped before its rollout began\n`);
    throw error;
  });
  if (!options.dryRun) {
    const ctx = state.rollout!;
    if (!options.yes && io.tty && io.confirm) {
      const question = `Roll out ${state.image} to ${ctx.client.currentContext} (${ctx.namespace}/${ctx.route}, ${state.strategy})?`;
      if (!(await io.confirm(question))) {
        throw new InterruptedError(`declined; the cluster was not changed${state.done.length ? ` (already done: ${state.done.join('; ')})` : ''}`);
      }
    }
    try {
      await list(
        [
          task('Bundle images and manifests', makeBundle, (s) => s.options.bundle !== undefined && s.options.bundle !== false),
          task(`Roll out (${state.strategy})`, rollOut),
        ],
        state,
        io,
      ).run();
    } catch (error) {
      // Aborted by a gate, or stopped on the way (cluster gone, timeout): what happened so far is reported.
      if (options.report && state.rollout) await reportAfterFailure(state, options.report, isAborted(error) ? 'aborted' : 'failed');
      throw error;
    }
    if (options.report) await writeReleaseReport(state, options.report);
  }
  state.timings.total = Date.now() - started;
  return summarize(state);
}
