// Rollout commands: start a strategy, then promote, abort or roll back; each holds the
// route's lease while it changes anything.
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../adapters/kube.js';
import { InputError, InterruptedError, PreconditionError, RolloutAbortedError } from '../errors.js';
import { interruption } from '../interrupt.js';
import { adoptable, adoptedManifests, adoptedSubset, copyOriginal, restoreOriginal, retireOriginal } from './adopt.js';
import { ms } from '../config/rollout.js';
import type { RolloutContext } from './context.js';
import { applyRendered, applyShared, checkRouteFeatures, waitEndpointsReady, manifestsYaml, routingObjects, waitAvailable, workload } from './effects.js';
import { judgeStep } from './analysis.js';
import { inProgress, latestPromoted, listReleases, saveRelease, type Adoption, type Provenance, type Release, type StoredRelease } from './history.js';
import { boundedChecks, boundedProvenance } from './record-bounds.js';
import { LeaseLostError, RouteLock } from './lease.js';
import { RouteRejectedError, waitRoutesAccepted } from './route-acceptance.js';
import { planFirstRelease, preflightFirstRelease } from './first-release.js';
import { takeoverLines, type TakeoverPlan } from './takeover.js';
import { undoChanges, undoneError } from './undo.js';
import { pruneVersions } from './prune.js';
import { stableState, strategyStates, type RouteState, type Strategy } from './route-states.js';
import { pinnedDigest, subsetOfImage } from '../model/image-ref.js';

export interface StartRequest {
  strategy: Strategy;
  /** Image pinned by digest: repo@sha256:… (optionally repo:tag@sha256:…). */
  image: string;
  /** Subset (version label) of the new version; default from the image tag. */
  subset?: string;
  /** What the release pipeline built and checked, kept in the release record for its report. */
  provenance?: Provenance;
}

export interface RolloutSummary {
  route: string;
  revision: number;
  subset: string;
  previous?: string;
  state: Release['state'];
  steps: string[];
  /** The metric gates' deciding check of each step, with its evidence. */
  checks?: Release['checks'];
}

async function withLock<T>(ctx: RolloutContext, action: () => Promise<T>): Promise<T> {
  const lock = new RouteLock(ctx.client, `shipline-${ctx.route}`, ctx.namespace, Math.max(1, Math.round(ms(ctx.rollout.lease.duration) / 1000)));
  await lock.acquire();
  ctx.lock = lock;
  try {
    return await action();
  } finally {
    ctx.lock = undefined;
    await lock.release();
  }
}

function subsetFromImage(image: string): string {
  const subset = subsetOfImage(image);
  if (subset === undefined) throw new InputError(`--image ${image}: no tag to name the version after`, { hint: 'pass --subset NAME, e.g. --subset v2' });
  return subset;
}

export function checkPinned(image: string): void {
  if (pinnedDigest(image) === undefined) {
    throw new InputError(`--image ${image}: not pinned by digest`, { hint: 'pass the reference the build printed, e.g. 127.0.0.1:5000/modco/link@sha256:…' });
  }
}

function release(ctx: RolloutContext, fields: Partial<Release> & Pick<Release, 'revision' | 'subset' | 'image' | 'strategy' | 'state'>): Release {
  const now = new Date().toISOString();
  return { route: ctx.route, step: 0, stepLabel: '', createdAt: now, updatedAt: now, ...fields };
}

/**
 * A pause between steps: a lost lease ends it at once with its error; Ctrl-C ends it early
 * (the loop then stops before the next change).
 */
async function pause(ctx: RolloutContext, milliseconds: number): Promise<void> {
  const lost = ctx.lock?.signal;
  lost?.throwIfAborted();
  if (interruption.aborted) return;
  const cleanups: (() => void)[] = [];
  const ended = new Promise<void>((resolve, reject) => {
    const onLost = () => reject(lost!.reason as Error);
    const onInterrupt = () => resolve();
    lost?.addEventListener('abort', onLost, { once: true });
    interruption.addEventListener('abort', onInterrupt, { once: true });
    cleanups.push(() => lost?.removeEventListener('abort', onLost), () => interruption.removeEventListener('abort', onInterrupt));
  });
  try {
    await Promise.race([ctx.sleep(milliseconds), ended]);
  } finally {
    for (const cleanup of cleanups) cleanup();
  }
}

/** Notes in the record that the route took `state` now (after the implementation accepted it). */
function stepTaken(stored: StoredRelease, state: RouteState): void {
  const { label, split, mirror, header } = state;
  const step = { label, at: new Date().toISOString(), split, ...(mirror ? { mirror } : {}), ...(header ? { header } : {}) };
  stored.release.steps = [...(stored.release.steps ?? []), step];
}

async function record(ctx: RolloutContext, stored: StoredRelease): Promise<void> {
  await ctx.lock?.confirm();
  stored.release.updatedAt = new Date().toISOString();
  await saveRelease(ctx.client, ctx.namespace, stored, ctx.fieldManager);
}

/** The routing objects the implementation last accepted, per rollout context. */
const lastAccepted = new WeakMap<RolloutContext, { label: string; objects: KubeObject[] }>();

/**
 * Applies a traffic state as one route update, then waits until the implementation has
 * taken it (HTTPRoute Accepted and ResolvedRefs for its generation). A route it rejects
 * is put back to the last accepted state before the error goes up.
 */
async function shift(ctx: RolloutContext, state: RouteState): Promise<string> {
  const objects = routingObjects(ctx, state);
  // Backends first, each with a ready endpoint, so the implementation knows them when the route arrives.
  const backends = objects.filter((o) => o.kind === 'Service' || o.kind === 'TraefikService');
  const known = new Set((lastAccepted.get(ctx)?.objects ?? []).map((o) => `${o.kind}/${o.metadata.name}`));
  const fresh = backends.some((o) => !known.has(`${o.kind}/${o.metadata.name}`));
  if (fresh && backends.length < objects.length) {
    await applyRendered(ctx, backends, `(backends of ${state.label})`);
    await waitEndpointsReady(ctx, backends.filter((o) => o.kind === 'Service'), ms(ctx.rollout.acceptTimeout));
  }
  await applyRendered(ctx, objects, `(route ${state.label})`);
  try {
    const took = await waitRoutesAccepted(ctx, objects, ms(ctx.rollout.acceptTimeout));
    ctx.log(`route ${ctx.route}: ${state.label}${objects.some((o) => o.kind === 'HTTPRoute') ? ` (accepted in ${took} ms)` : ''}`);
  } catch (error) {
    const previous = lastAccepted.get(ctx);
    if (error instanceof RouteRejectedError && previous) {
      await applyRendered(ctx, previous.objects, `(route back to ${previous.label})`);
      ctx.log(`route ${ctx.route}: back to ${previous.label}`);
    }
    throw error;
  }
  lastAccepted.set(ctx, { label: state.label, objects });
  return manifestsYaml(objects);
}

export interface ReleasePlan {
  subset: string;
  stable?: Release;
  revision: number;
  history: StoredRelease[];
  /** The same rollout, interrupted (e.g. its process killed): continue from its last step. */
  resume?: StoredRelease;
  /** First release: the route fields it takes over from other managers, and sync-tool warnings. */
  takeover?: TakeoverPlan;
}

/** Reads the history and decides the new release's subset and revision; changes nothing. */
export async function planRelease(ctx: RolloutContext, request: StartRequest): Promise<ReleasePlan> {
  checkPinned(request.image);
  const subset = request.subset ?? subsetFromImage(request.image);
  const history = await listReleases(ctx.client, ctx.route, ctx.namespace);
  const running = inProgress(history);
  const promoted = latestPromoted(history)?.release;
  // After a rollback past the adoption the original serves again: the next release adopts it anew.
  const stable = promoted?.restored ? undefined : promoted;
  if (running) {
    const r = running.release;
    if (r.subset === subset && r.image === request.image && r.strategy === request.strategy) {
      return { subset, stable, revision: r.revision, history, resume: running };
    }
    throw new PreconditionError(`route ${ctx.route} has an unfinished rollout of ${r.subset} (revision ${r.revision}, ${r.stepLabel})`, {
      hint: `finish it with \`shipline rollout promote\` or \`shipline rollout abort\`, or re-run the same rollout (${r.strategy} of ${r.image}) to resume it`,
    });
  }
  if (stable?.subset === subset) throw new InputError(`${subset} is already the stable version of ${ctx.route}`, { hint: 'build and roll out a new version' });
  // Every route this rollout may apply must be one the implementation can serve.
  checkRouteFeatures(ctx, stable ? [...strategyStates(request.strategy, stable.subset, subset, ctx.rollout), stableState(subset)] : [stableState(subset)]);
  const revision = (history.at(-1)?.release.revision ?? 0) + 1;
  const takeover = stable ? undefined : await planFirstRelease(ctx, subset);
  return { subset, stable, revision, history, takeover };
}

/** The objects the rollout applies first: the manifests' shared objects, the new version's workload and the first traffic state. */
export function firstObjects(ctx: RolloutContext, request: StartRequest, plan: ReleasePlan) {
  const states = plan.stable ? strategyStates(request.strategy, plan.stable.subset, plan.subset, ctx.rollout) : [stableState(plan.subset)];
  return [...ctx.template.shared.map((s) => s.object), ...workload(ctx, plan.subset, request.image), ...routingObjects(ctx, states[0]!)];
}

export async function startRollout(ctx: RolloutContext, request: StartRequest): Promise<RolloutSummary> {
  return withLock(ctx, async () => {
    const plan = await planRelease(ctx, request);
    const { subset, resume } = plan;
    let { stable, revision } = plan;
    if (resume) ctx.log(`resuming the rollout of ${subset} (r${revision}) after "${resume.release.stepLabel}"`);
    const first = !stable && !resume;
    if (first) {
      for (const line of takeoverLines(plan.takeover!)) ctx.log(line);
      for (const warning of plan.takeover!.warnings) ctx.log(`warning: ${warning}`);
      // Everything the first release applies is checked by the server before its first change.
      await preflightFirstRelease(ctx, subset, request.image);
      ctx.changes = [];
    }
    try {
      await applyShared(ctx);
      if (first) {
        const adopted = await adoptRunning(ctx, revision);
        if (adopted) [stable, revision] = [adopted, revision + 1];
      }
    } finally {
      ctx.changes = undefined;
    }
    const version = workload(ctx, subset, request.image);
    const deployment = version[0]!;
    await applyRendered(ctx, version, `(workload ${subset})`);
    ctx.log(`deployment ${deployment.metadata.name}: applied, waiting until available`);
    const stored: StoredRelease = resume ?? {
      release: release(ctx, { revision, subset, image: request.image, strategy: request.strategy, state: 'progressing', previous: stable?.subset, ...boundedProvenance(request.provenance) }),
      manifests: '',
    };
    try {
      await waitAvailable(ctx, subset);
    } catch (error) {
      if (error instanceof InterruptedError) {
        // Stays in progress: the same rollout run again resumes it.
        stored.release.note = `interrupted while waiting for ${deployment.metadata.name} to become available; no traffic was shifted`;
        await record(ctx, stored);
        throw new InterruptedError(`${error.message}; no traffic was shifted`, { hint: `re-run the same rollout to resume it, or \`shipline rollout abort\`` });
      }
      stored.release.state = 'failed';
      stored.release.note = (error as Error).message;
      await record(ctx, stored);
      throw error;
    }
    ctx.log(`deployment ${deployment.metadata.name}: available`);

    if (!stable) {
      // First release of this route: nothing to shift from.
      const routes = await shift(ctx, stableState(subset));
      stepTaken(stored, stableState(subset));
      Object.assign(stored.release, { state: 'promoted', stepLabel: `100% ${subset}` });
      stored.manifests = manifestsYaml(version) + '---\n' + routes;
      await record(ctx, stored);
      return { route: ctx.route, revision, subset, state: 'promoted', steps: [`100% ${subset}`] };
    }

    const states = strategyStates(request.strategy, stable.subset, subset, ctx.rollout);
    const done: string[] = [];
    for (const [i, state] of states.entries()) {
      if (resume && i < resume.release.step) {
        done.push(state.label);
        continue;
      }
      if (interruption.aborted) {
        const where = i === 0 ? 'before the first traffic step' : `after "${stored.release.stepLabel}"`;
        stored.release.note = `interrupted ${where}`;
        await record(ctx, stored);
        throw new InterruptedError(`rollout of ${subset} interrupted ${where}; traffic stays on ${i === 0 ? (resume ? resume.release.stepLabel || stable.subset : stable.subset) : stored.release.stepLabel}`, {
          hint: 're-run the same rollout to resume it, or `shipline rollout abort` to go back',
        });
      }
      const routes = await shift(ctx, state);
      stepTaken(stored, state);
      done.push(state.label);
      Object.assign(stored.release, { step: i, stepLabel: state.label });
      stored.manifests = manifestsYaml(version) + '---\n' + routes;
      await record(ctx, stored);
      const judged = await judgeStep(ctx, { subset, label: state.label, last: i === states.length - 1, header: state.header, stable: stable.subset }, (milliseconds) => pause(ctx, milliseconds));
      const evidence = judged.flatMap((g) => ('check' in g && g.check ? [g.check] : []));
      if (evidence.length > 0) Object.assign(stored.release, boundedChecks(stored.release, evidence));
      const failed = judged.filter((g) => !g.ok);
      if (failed.length > 0) {
        const why = failed.map((g) => `${g.gate}: ${g.detail}`).join('; ');
        await abortTo(ctx, stored, stable, `gate failed at ${state.label}: ${why}`);
        throw new RolloutAbortedError(`rollout of ${subset} (${request.image}) aborted at "${state.label}": ${why}; traffic is back on ${stable.subset}`, {
          hint: `${subset} failed its gates: see each check's evidence with \`shipline rollout status\`, fix the new version and build and roll out a new image (this one stays aborted)`,
        });
      }
      if (evidence.length > 0) await record(ctx, stored);
    }
    const finished = request.strategy === 'canary' && states.at(-1)?.split.length === 1;
    if (finished && ctx.rollout.autoPromote) {
      await promoteRelease(ctx, stored, stable);
      return { route: ctx.route, revision, subset, previous: stable.subset, state: 'promoted', steps: done, ...(stored.release.checks ? { checks: stored.release.checks } : {}) };
    }
    ctx.log(`rollout of ${subset}: ${done.at(-1)}; promote or abort when ready`);
    return { route: ctx.route, revision, subset, previous: stable.subset, state: 'progressing', steps: done, ...(stored.release.checks ? { checks: stored.release.checks } : {}) };
  });
}

/**
 * First release of a route whose Deployment already runs (applied with kubectl): its copy
 * becomes the stable version, the route points at it, then the original is scaled to 0.
 */
async function adoptRunning(ctx: RolloutContext, revision: number): Promise<Release | undefined> {
  const live = await adoptable(ctx);
  if (!live) return undefined;
  let copy: Awaited<ReturnType<typeof copyOriginal>>;
  let routes: string;
  try {
    copy = await copyOriginal(ctx, live);
    routes = await shift(ctx, stableState(adoptedSubset));
  } catch (error) {
    // Nothing half-done: the copy goes, the route goes back, and the original serves on.
    // A lost lease means another rollout may act now: then the changes are named, not undone.
    const changes = ctx.changes ?? [];
    const report = error instanceof LeaseLostError
      ? { undone: [], kept: [], failed: changes.map((c) => `${c.object.kind} ${ctx.namespace}/${c.object.metadata.name} (${c.action}; the lease was lost)`) }
      : await undoChanges(ctx, changes);
    throw undoneError(error, report, `Deployment ${ctx.namespace}/${live.metadata.name} was not changed and keeps serving`);
  }
  const adopted = release(ctx, {
    revision, subset: adoptedSubset, image: copy.image, strategy: 'adopt', state: 'promoted', stepLabel: `100% ${adoptedSubset}`, adopted: copy.adoption,
    note: `adopted Deployment ${copy.adoption.deployment} (${copy.adoption.replicas} replicas)`,
  });
  await record(ctx, { release: adopted, manifests: adoptedManifests(copy) + '---\n' + routes });
  await retireOriginal(ctx, copy.adoption);
  return adopted;
}

async function abortTo(ctx: RolloutContext, stored: StoredRelease, stable: Release, note: string): Promise<void> {
  await shift(ctx, stableState(stable.subset));
  stepTaken(stored, stableState(stable.subset));
  await applyRendered(ctx, workload(ctx, stored.release.subset, stored.release.image, 0), `(workload ${stored.release.subset})`);
  Object.assign(stored.release, { state: 'aborted', stepLabel: `100% ${stable.subset}`, note });
  await record(ctx, stored);
}

export async function abortRollout(ctx: RolloutContext): Promise<RolloutSummary> {
  return withLock(ctx, async () => {
    const history = await listReleases(ctx.client, ctx.route, ctx.namespace);
    const running = inProgress(history);
    if (!running) throw new PreconditionError(`route ${ctx.route} has no rollout in progress to abort`);
    const stable = latestPromoted(history)?.release;
    if (!stable) throw new PreconditionError(`route ${ctx.route} has no stable release to go back to`);
    await abortTo(ctx, running, stable, 'aborted by request');
    return { route: ctx.route, revision: running.release.revision, subset: running.release.subset, previous: stable.subset, state: 'aborted', steps: [`100% ${stable.subset}`] };
  });
}

export async function promoteRollout(ctx: RolloutContext): Promise<RolloutSummary> {
  return withLock(ctx, async () => {
    const history = await listReleases(ctx.client, ctx.route, ctx.namespace);
    const running = inProgress(history);
    if (!running) throw new PreconditionError(`route ${ctx.route} has no rollout in progress to promote`);
    const { release: next } = running;
    const stable = latestPromoted(history)?.release;
    await promoteRelease(ctx, running, stable);
    return { route: ctx.route, revision: next.revision, subset: next.subset, previous: stable?.subset, state: 'promoted', steps: [`100% ${next.subset}`] };
  });
}

async function promoteRelease(ctx: RolloutContext, running: StoredRelease, stable: Release | undefined): Promise<void> {
  const { release: next } = running;
  const routes = await shift(ctx, stableState(next.subset));
  stepTaken(running, stableState(next.subset));
  if (stable) await applyRendered(ctx, workload(ctx, stable.subset, stable.image, 0), `(workload ${stable.subset})`);
  Object.assign(next, { state: 'promoted', stepLabel: `100% ${next.subset}` });
  running.manifests = manifestsYaml(workload(ctx, next.subset, next.image)) + '---\n' + routes;
  await record(ctx, running);
  ctx.log(`promoted ${next.subset}${stable ? `; ${stable.subset} scaled to 0` : ''}`);
  await pruneVersions(ctx, await listReleases(ctx.client, ctx.route, ctx.namespace));
}

/** The objects a release recorded, or undefined when it kept none (or they do not parse). */
export function keptManifests(stored: StoredRelease): KubeObject[] | undefined {
  if (!stored.manifests.trim()) return undefined;
  try {
    const objects = parseAllDocuments(stored.manifests)
      .map((d) => d.toJS() as KubeObject | null)
      .filter((o): o is KubeObject => !!o && typeof o === 'object' && typeof o.kind === 'string');
    return objects.length > 0 ? objects : undefined;
  } catch {
    return undefined;
  }
}

/** Back to the release before the current stable one, from the manifests history kept. */
export async function rollbackRollout(ctx: RolloutContext): Promise<RolloutSummary> {
  return withLock(ctx, async () => {
    const history = await listReleases(ctx.client, ctx.route, ctx.namespace);
    if (inProgress(history)) throw new PreconditionError(`route ${ctx.route} has a rollout in progress`, { hint: 'abort it instead: `shipline rollout abort`' });
    const promoted = history.filter((s) => s.release.state === 'promoted');
    const current = promoted.at(-1)?.release;
    const target = [...promoted].reverse().find((s) => s.release.subset !== current?.subset);
    if (!current || !target) throw new PreconditionError(`route ${ctx.route} has no earlier release to roll back to`);
    const t = target.release;
    if (t.adopted) return rollbackPastAdoption(ctx, history, current, t as Release & { adopted: Adoption });
    // The manifests that release applied, as they were: not re-rendered from today's config.
    const kept = keptManifests(target);
    const isVersion = (o: KubeObject) => o.kind === 'Deployment' || o.kind === 'HorizontalPodAutoscaler';
    const keptVersion = kept?.filter(isVersion);
    const versionObjects = keptVersion && keptVersion.length > 0 ? keptVersion : workload(ctx, t.subset, t.image);
    await applyRendered(ctx, versionObjects, `(workload ${t.subset}, from release r${t.revision})`);
    await waitAvailable(ctx, t.subset);
    const routing = kept?.filter((o) => !isVersion(o));
    let routes: string;
    if (routing && routing.length > 0) {
      await applyRendered(ctx, routing, `(route of release r${t.revision})`);
      ctx.log(`route ${ctx.route}: manifests of r${t.revision} re-applied`);
      routes = manifestsYaml(routing);
    } else {
      routes = await shift(ctx, stableState(t.subset));
    }
    await applyRendered(ctx, workload(ctx, current.subset, current.image, 0), `(workload ${current.subset})`);
    const revision = (history.at(-1)?.release.revision ?? 0) + 1;
    const stored: StoredRelease = {
      release: release(ctx, { revision, subset: t.subset, image: t.image, strategy: 'rollback', state: 'promoted', previous: current.subset, stepLabel: `100% ${t.subset}`, note: `rollback from ${current.subset} to revision ${t.revision}` }),
      manifests: manifestsYaml(versionObjects) + '---\n' + routes,
    };
    await record(ctx, stored);
    return { route: ctx.route, revision, subset: t.subset, previous: current.subset, state: 'promoted', steps: [`100% ${t.subset}`] };
  });
}

async function rollbackPastAdoption(ctx: RolloutContext, history: StoredRelease[], current: Release, target: Release & { adopted: Adoption }): Promise<RolloutSummary> {
  const routes = await restoreOriginal(ctx, target);
  await applyRendered(ctx, workload(ctx, current.subset, current.image, 0), `(workload ${current.subset})`);
  const revision = (history.at(-1)?.release.revision ?? 0) + 1;
  const note = `rollback from ${current.subset} past the adoption (revision ${target.revision}): Deployment ${target.adopted.deployment} restored to ${target.adopted.replicas} replicas`;
  await record(ctx, {
    release: release(ctx, { revision, subset: target.subset, image: target.image, strategy: 'rollback', state: 'promoted', previous: current.subset, stepLabel: `100% ${target.adopted.deployment}`, adopted: target.adopted, restored: true, note }),
    manifests: routes,
  });
  ctx.log(note);
  return { route: ctx.route, revision, subset: target.adopted.deployment, previous: current.subset, state: 'promoted', steps: [`100% ${target.adopted.deployment}`] };
}
