// The release pipeline's steps: validate → preflight → build → render → server dry-run
// and diff → (confirm) → roll out → record, each a function of the shared state.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { buildxVersion, inspectBuilder } from '../adapters/buildx.js';
import { KubeApiError } from '../adapters/kube.js';
import { applyObjects } from '../cluster/apply.js';
import { loadConfig } from '../config/load.js';
import { assertWholeConfig } from '../config/whole.js';
import { withNamespace } from '../cluster/namespace-flag.js';
import { build } from '../build/run.js';
import { parseClock } from '../build/tag.js';
import { existingTags } from '../build/preflight.js';
import { createBundle } from '../bundle/create.js';
import { ContextError, InputError, PreconditionError, RolloutAbortedError, ShiplineError, SmokeFailedError } from '../errors.js';
import { toolVersion } from '../version.js';
import { rolloutContext } from '../rollout/context.js';
import { firstObjects, planRelease, startRollout, checkPinned } from '../rollout/run.js';
import { rolloutConfig } from '../config/rollout.js';
import { stableState, strategyStates } from '../rollout/route-states.js';
import { subsetFor } from '../model/image-ref.js';
import { checkRouteFeatures } from '../rollout/effects.js';
import { forceFor, takeoverLines } from '../rollout/takeover.js';
import { toYaml } from '../model/yaml.js';
import type { ReleaseState } from './context.js';
import type { Provenance } from '../rollout/history.js';
import { count } from '../plural.js';
import { checkSmokePlatform } from './smoke-step.js';

export type Report = (line: string) => void;

export function validate(state: ReleaseState): void {
  const loaded = withNamespace(loadConfig(state.options.config, undefined, { repository: state.options.repository }), state.options.namespace);
  // Every section is checked before anything runs, as render and build do: a typo in rollout is not found after the build.
  assertWholeConfig(loaded.file, loaded.raw, { requireImage: true, positions: loaded.positions });
  state.loaded = loaded;
  state.strategy = state.options.strategy ?? rolloutConfig(loaded).strategy;
  checkSmokePlatform(state);
  if (!state.options.skipBuild && !state.options.dryRun && !loaded.config.output.push) {
    // The roll-out deploys the image from the registry: an unpushed build cannot be rolled out.
    throw new InputError(`${loaded.file}: output.push is false, so the image this release builds never reaches a registry the cluster can pull from`, {
      hint: 'set output.push: true, or build with `shipline build`, push or load the image yourself and run `release --skip-build --image REF@sha256:…`',
    });
  }
  if (state.options.skipBuild) {
    if (!state.options.image) throw new InputError('--skip-build needs --image REF@DIGEST: the image to release', { hint: 'pass the pinned reference a previous run printed' });
    checkPinned(state.options.image);
    state.image = state.options.image;
  }
}

/** Builder, registry and cluster, checked side by side. Dry-runs tolerate what is unreachable. */
export async function preflight(state: ReleaseState, report: Report): Promise<void> {
  const loaded = state.loaded!;
  const { config } = loaded;
  const soft = (what: string) => (error: unknown) => {
    // A wrong flag (--context nope, a missing --kubeconfig) is an error in a dry run too.
    if (!state.options.dryRun || error instanceof InputError) throw error;
    state.warnings.push(`${what}: ${(error as Error).message.split('\n')[0]}`);
  };
  const builder = async () => {
    if (state.options.skipBuild) return;
    if (!(await buildxVersion())) throw new PreconditionError('docker buildx is not installed', { hint: 'run `npm run stack:up`' });
    const info = await inspectBuilder(config.builder.name);
    if (!info && config.builder.nodes.length === 0) throw new PreconditionError(`buildx builder ${config.builder.name} does not exist`, { hint: 'run `npm run stack:up`, or set builder.name / builder.nodes' });
    report(`builder ${config.builder.name}: ${info?.platforms.join(', ') ?? 'will be created from builder.nodes'}`);
  };
  const registry = async () => {
    if (state.options.skipBuild) return;
    const tags = await existingTags(config.image.repository).catch((error: Error) => {
      throw new PreconditionError(`registry of ${config.image.repository} is unreachable: ${error.message}`, { hint: 'start it (`npm run stack:up`) or check image.repository' });
    });
    report(`registry: ${config.image.repository} has ${count(tags.length, 'tag')}`);
  };
  const cluster = async () => {
    state.rollout = await rolloutContext(loaded, {
      kubeconfig: state.options.kubeconfig,
      context: state.options.context,
      log: report,
      strategyNeeds: state.strategy === 'mirror' ? { mirror: true, mirrorPercent: true } : undefined,
      forceConflicts: state.options.forceConflicts,
    });
    state.api = state.rollout.choice;
    // Routes the implementation cannot serve are refused now, before anything is built or pushed.
    checkRouteFeatures(state.rollout, [...strategyStates(state.strategy!, 'stable', 'next', state.rollout.rollout), stableState('next')]);
    report(`cluster ${state.rollout.client.currentContext}: routing with ${state.api.apiVersion}` +
      (state.rollout.gatewayClass ? ` (${state.rollout.gatewayClass.implementation})` : ''));
  };
  await Promise.all([builder().catch(soft('builder')), registry().catch(soft('registry')), cluster().catch(soft('cluster'))]);
}

export async function buildImage(state: ReleaseState, report: Report): Promise<void> {
  const loaded = state.loaded!;
  const clock = parseClock(state.options.date, process.env.SOURCE_DATE_EPOCH) ?? new Date();
  const wantsBundle = state.options.bundle !== undefined && state.options.bundle !== false;
  const result = await build({
    loaded,
    clock,
    fixedDate: state.options.date !== undefined,
    tag: state.options.tag,
    dryRun: state.options.dryRun,
    // A bundle needs the OCI layout; when the config keeps none, it is a temporary file.
    overrides: wantsBundle && !loaded.config.output.oci ? { oci: join(temporaryDir(state), `${basename(loaded.config.image.repository)}_{tag}.tar`) } : {},
    onLine: (line) => {
      if (line.trim()) report(line);
    },
    logShown: state.linesShown,
  });
  state.build = result;
  state.warnings.push(...result.warnings);
  if (!state.options.dryRun) {
    state.image = result.pinned ?? state.image;
    state.done.push(`image ${result.plan.imageRef} pushed as ${result.pinned}`);
  }
}

const placeholderImage = 'sha256:0000000000000000000000000000000000000000000000000000000000000000';

/** Renders the new version's Deployment and first traffic state, dry-runs them on the server, and diffs. */
export async function renderAndDiff(state: ReleaseState, report: Report): Promise<void> {
  const ctx = state.rollout;
  if (!ctx) {
    state.warnings.push('cluster unreachable: manifests not rendered or dry-run');
    return;
  }
  const image = state.image ?? `${state.loaded!.config.image.repository}@${placeholderImage}`;
  const request = { strategy: state.strategy!, image, subset: subsetOf(state) };
  const plan = await planRelease(ctx, request);
  const objects = firstObjects(ctx, request, plan);
  // The first release names the route fields it takes over, and who else keeps its objects in sync.
  for (const line of takeoverLines(plan.takeover ?? { takeovers: [], warnings: [] })) report(line);
  if (state.options.dryRun) state.takeovers = takeoverLines(plan.takeover ?? { takeovers: [], warnings: [] });
  state.warnings.push(...(plan.takeover?.warnings ?? []));
  if (state.options.dryRun && state.options.dryRunMode === 'client') {
    state.preview = { objects, diffs: [] };
    for (const object of objects) report(`${object.kind}/${object.metadata.name}: rendered (client dry run: not sent to the server)`);
    return;
  }
  const outcomes = await applyObjects(ctx.client, objects.map((object, i) => ({ object, file: '(rendered)', doc: i + 1 })), {
    fieldManager: ctx.fieldManager,
    namespace: ctx.namespace,
    force: forceFor(ctx),
    dryRun: true,
    diff: true,
  }).catch((error: unknown) => {
    if (error instanceof KubeApiError) throw new PreconditionError(`server dry-run refused the rendered manifests: ${error.message}`);
    throw error;
  });
  state.preview = { objects, diffs: outcomes.flatMap((o) => (o.diff ? [o.diff] : [])) };
  for (const o of outcomes) report(`${o.object.object.kind}/${o.object.object.metadata.name}: ${o.action} (server dry run)`);
}

/** The new version's subset: --subset, else from the tag built (else startRollout reads the image tag). */
function subsetOf(state: ReleaseState): string | undefined {
  if (state.options.subset) return state.options.subset;
  const tag = state.build?.plan.tag;
  return tag ? subsetFor(tag) : undefined;
}

export async function rollOut(state: ReleaseState, report: Report): Promise<void> {
  const ctx = state.rollout!;
  ctx.log = report;
  state.rolloutResult = await startRollout(ctx, { strategy: state.strategy!, image: state.image!, subset: subsetOf(state), provenance: provenanceOf(state) });
  state.done.push(`rollout r${state.rolloutResult.revision} of ${state.rolloutResult.subset}: ${state.rolloutResult.state}`);
}

/** What the release built and checked before its rollout, for the release record. */
function provenanceOf(state: ReleaseState): Provenance {
  const build = state.build;
  const diff = state.preview?.diffs.join('\n');
  return {
    ...(build?.plan.tag ? { tag: build.plan.tag } : {}),
    ...(build?.plan.labels['org.opencontainers.image.revision'] ? { gitRevision: build.plan.labels['org.opencontainers.image.revision'] } : {}),
    ...(build?.platforms ? { platforms: build.platforms.map(({ platform, digest }) => ({ platform, digest })) } : {}),
    ...(diff ? { diff } : {}),
    phases: { ...state.timings },
  };
}

export async function makeBundle(state: ReleaseState, report: Report): Promise<void> {
  const build = state.build!;
  if (!build.ociPath) throw new PreconditionError('--bundle needs the OCI tarball of the build', { hint: 'set output.oci in the config' });
  const output = typeof state.options.bundle === 'string' ? state.options.bundle : join(process.cwd(), basename(build.ociPath).replace(/\.tar$/, '.bundle.tar'));
  const manifests = state.preview ? [{ name: 'release.yaml', content: Buffer.from(toYaml(state.preview.objects)) }] : [];
  const created = await createBundle({
    images: [{ name: build.plan.imageRef, ociLayoutTar: build.ociPath }],
    manifests,
    routingApiVersions: state.api ? [state.api.apiVersion] : [],
    toolVersion: toolVersion(),
    output,
    log: report,
  });
  state.bundle = { path: created.output, size: created.size };
  state.done.push(`bundle ${created.output}`);
}

function temporaryDir(state: ReleaseState): string {
  state.temporaryDir ??= mkdtempSync(join(tmpdir(), 'shipline-release-'));
  return state.temporaryDir;
}

/** Adds what was already done (e.g. the pushed image) to a failure further on, so a re-run can continue. */
export function withProgress(error: unknown, state: ReleaseState, step: string): unknown {
  if (!(error instanceof ShiplineError) || state.done.length === 0) return error;
  // Not `new error.constructor(...)`: error classes take different arguments (KubeApiError's
  // first one is the HTTP status), so a re-made error would lose its message.
  // A version its gates aborted, or that failed its smoke run, is not worth releasing again as it is.
  const rejected = error instanceof RolloutAbortedError || error instanceof SmokeFailedError;
  const resume = state.image && state.done.some((d) => d.startsWith('image ')) && !rejected ? ` Continue with: npm run release -- --skip-build --image ${state.image}` : '';
  return new ContextError(`${step}: ${error.message}\nalready done: ${state.done.join('; ')}`, error, { hint: `${error.hint ?? ''}${resume}`.trim() || undefined });
}
