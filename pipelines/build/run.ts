// The build pipeline: preflight, tag, plan, then (unless dry-run) run the passes and
// read back the digests that later steps pin.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildx, inspectBuilder, runBuild } from '../adapters/buildx.js';
import { gitRemote, gitRevision, releaseTag } from '../adapters/git.js';
import { platformString, type ImageIndex, type ImageManifest } from '../adapters/registry.js';
import type { LoadedConfig } from '../config/load.js';
import { ExternalError, InputError, PreconditionError } from '../errors.js';
import { planBuilderNodes } from './builder-nodes.js';
import { checkOciPath, checkTagOption } from './inputs.js';
import { readOciTarball } from '../bundle/layout-source.js';
import { ociPathFor, ociTemplateOf, planBuild, type BuildOverrides, type BuildPlan } from './plan.js';
import { claimMetadataDir, freeMetadataDir, metadataBaseDir } from './metadata-dir.js';
import { preflight } from './preflight.js';
import { registryTarget } from './registry-access.js';
import { decideTag, type TagDecision } from './tag.js';

export interface BuildRequest {
  loaded: LoadedConfig;
  clock: Date;
  /** --date given: the tag's day is that date, whatever the time zone. */
  fixedDate?: boolean;
  tag?: string;
  gitTag?: string;
  overrides?: BuildOverrides;
  dryRun?: boolean;
  /** Contact no registry (air-gapped sites, dry-runs of configs for other registries). */
  offline?: boolean;
  force?: boolean;
  env?: NodeJS.ProcessEnv;
  onLine?: (line: string) => void;
  /** onLine shows the user every line of the build log: a failure then does not repeat its tail. */
  logShown?: boolean;
}

export interface PlatformDigest {
  platform: string;
  digest: string;
}

export interface BuildResult {
  plan: BuildPlan;
  tag: TagDecision;
  dryRun: boolean;
  warnings: string[];
  /** Builder commands run (or, in dry-run, that would run) before the build. */
  builderCommands: string[][];
  /** The folder the build commands run in (the config's). */
  cwd: string;
  indexDigest?: string;
  platforms?: PlatformDigest[];
  /** repository@sha256:… of the pushed index. */
  pinned?: string;
  ociPath?: string;
}

async function ensureBuilderNodes(request: BuildRequest): Promise<string[][]> {
  const { config } = request.loaded;
  if (config.builder.nodes.length === 0) return [];
  const commands = planBuilderNodes(config.builder.name, config.builder.nodes, await inspectBuilder(config.builder.name));
  if (!request.dryRun) for (const args of commands) await buildx(args);
  return commands.map((args) => ['docker', 'buildx', ...args]);
}

/** Per-platform digests; a single-platform build is one manifest, not an index. */
function platformsOf(index: ImageIndex | ImageManifest, digest: string | undefined, platforms: readonly string[]): PlatformDigest[] {
  if (!('manifests' in index)) return digest && platforms[0] ? [{ platform: platforms[0], digest }] : [];
  return index.manifests
    .filter((m) => m.platform && m.platform.os !== 'unknown')
    .map((m) => ({ platform: platformString(m.platform!), digest: m.digest }));
}

async function pushedResult(plan: BuildPlan, metadataFile: string, env: NodeJS.ProcessEnv): Promise<Pick<BuildResult, 'indexDigest' | 'platforms' | 'pinned'>> {
  const metadata = JSON.parse(readFileSync(metadataFile, 'utf8')) as Record<string, unknown>;
  const indexDigest = metadata['containerimage.digest'];
  if (typeof indexDigest !== 'string') throw new ExternalError(`buildx wrote no containerimage.digest to ${metadataFile}`);
  const { client, path } = await registryTarget(plan.repository, env);
  const pushed = await client.manifest<ImageIndex | ImageManifest>(path, indexDigest);
  if (!pushed) throw new ExternalError(`the registry does not hold ${plan.repository}@${indexDigest} after the push`);
  return { indexDigest, platforms: platformsOf(pushed.body, indexDigest, plan.platforms), pinned: `${plan.repository}@${indexDigest}` };
}

export async function build(request: BuildRequest): Promise<BuildResult> {
  const { loaded, overrides = {} } = request;
  const { config, baseDir } = loaded;
  const env = request.env ?? process.env;
  const dryRun = request.dryRun ?? false;
  const platforms = overrides.platforms ?? config.image.platforms;
  const push = overrides.push ?? config.output.push;
  if (request.tag !== undefined) checkTagOption(request.tag);
  if (request.offline && push && !dryRun) {
    // Offline, the tags cannot be checked: a push could overwrite a tag (or miss the next free .N).
    throw new InputError('--offline checks no tags in the registry, but this build pushes', {
      hint: 'add --no-push (and --oci PATH) to build offline, or drop --offline',
    });
  }

  const builderCommands = await ensureBuilderNodes(request);
  const [checks, revision, remote, gitTag] = await Promise.all([
    preflight(config, baseDir, { dryRun, platforms, push, offline: request.offline, env }),
    gitRevision(baseDir),
    gitRemote(baseDir),
    releaseTag(baseDir, env, request.gitTag),
  ]);

  const spec = request.tag ?? config.image.tag;
  const tag = decideTag({
    spec,
    clock: request.clock,
    timezone: request.fixedDate ? 'UTC' : config.image.timezone,
    gitTag: spec === 'semver' ? gitTag : undefined,
    existingTags: checks.existingTags,
    force: request.force,
  });
  if (tag.source !== 'date' && push && !request.force && checks.existingTags?.includes(tag.tag)) {
    throw new PreconditionError(`${config.image.repository}:${tag.tag} already exists in the registry`, {
      hint: 'pushed tags are never overwritten: release a new version, or pass --force to overwrite on purpose',
    });
  }

  const ociTemplate = ociTemplateOf(config, overrides);
  if (ociTemplate) {
    const field = typeof overrides.oci === 'string' ? '--oci' : `${loaded.file}: output.oci`;
    checkOciPath(resolve(baseDir, ociPathFor(ociTemplate, tag.tag, config.image.repository)), field);
  }

  const metadataBase = metadataBaseDir(`${config.image.repository}:${tag.tag}`, env);
  const claim = dryRun ? { dir: freeMetadataDir(metadataBase), release: () => undefined } : claimMetadataDir(metadataBase);
  const plan = planBuild({
    config,
    tag: tag.tag,
    clock: request.clock,
    git: { revision, source: remote },
    facts: { buildxVersion: checks.buildxVersion, buildkitVersion: checks.builder?.buildkitVersion },
    overrides,
    metadataDir: claim.dir,
  });
  const result: BuildResult = { plan, tag, dryRun, warnings: checks.warnings, builderCommands, cwd: baseDir };
  if (plan.ociPath) result.ociPath = resolve(baseDir, plan.ociPath);
  if (dryRun) return result;

  const ociExisted = result.ociPath !== undefined && existsSync(result.ociPath);
  try {
    for (const pass of plan.passes) {
      await runBuild(pass.argv, { cwd: baseDir, env: pass.env, onLine: request.onLine, logShown: request.logShown }).catch((error: unknown) => {
        // A failed export can leave an empty or partial tarball behind: nothing half-done.
        if (result.ociPath && !ociExisted) rmSync(result.ociPath, { force: true });
        throw error;
      });
    }
    const registryPass = plan.passes.find((p) => p.exports.includes('registry'));
    if (registryPass) Object.assign(result, await pushedResult(plan, registryPass.metadataFile, env));
    if (result.ociPath) {
      const { image } = await readOciTarball(result.ociPath, plan.imageRef);
      result.platforms ??= image.platforms.length > 0
        ? image.platforms.map(({ platform, digest }) => ({ platform, digest }))
        : [{ platform: plan.platforms[0]!, digest: image.root.descriptor.digest }];
      result.indexDigest ??= image.root.descriptor.digest;
    }
  } finally {
    claim.release();
  }
  return result;
}
