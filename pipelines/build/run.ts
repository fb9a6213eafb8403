// The build pipeline: preflight, tag, plan, then (unless dry-run) run the passes and
// read back the digests that later steps pin.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildx, inspectBuilder, runBuild } from '../adapters/buildx.js';
import { gitRemote, gitRevision, releaseTag } from '../adapters/git.js';
import { writeOciFromRegistry } from './oci-from-registry.js';
import { attestationCost, sumCosts, type AttestationCost } from './attestation-cost.js';
import { platformString, type FetchedManifest, type ImageIndex, type ImageManifest } from '../adapters/registry.js';
import type { LoadedConfig } from '../config/load.js';
import { ExternalError, InputError, PreconditionError } from '../errors.js';
import { planBuilderNodes } from './builder-nodes.js';
import { checkOciPath, checkTagOption } from './inputs.js';
import { readOciTarball } from '../bundle/layout-source.js';
import { ociPathFor, ociTemplateOf, planBuild, type BuildOverrides, type BuildPlan } from './plan.js';
import { claimMetadataDir, freeMetadataDir, metadataBaseDir } from './metadata-dir.js';
import { preflight, type PreflightResult } from './preflight.js';
import { registryTarget, type RegistryTarget } from './registry-access.js';
import { claimTag } from './claim-tag.js';
import { decideTag, nextDateTagAfterRace, type TagDecision } from './tag.js';

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
  /** What SBOM and provenance cost this build, when either was on. */
  attestations?: { sbom: boolean; provenance: boolean } & AttestationCost;
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

interface Pushed {
  result: Pick<BuildResult, 'indexDigest' | 'platforms' | 'pinned'>;
  manifest: FetchedManifest<ImageIndex | ImageManifest>;
}

/** What the registry holds under the digest buildx pushed: the index (multi-arch) or manifest. */
async function pushedManifest(plan: BuildPlan, metadataFile: string, target: RegistryTarget): Promise<Pushed> {
  const metadata = JSON.parse(readFileSync(metadataFile, 'utf8')) as Record<string, unknown>;
  const indexDigest = metadata['containerimage.digest'];
  if (typeof indexDigest !== 'string') throw new ExternalError(`buildx wrote no containerimage.digest to ${metadataFile}`);
  const manifest = await target.client.manifest<ImageIndex | ImageManifest>(target.path, indexDigest);
  if (!manifest) throw new ExternalError(`the registry does not hold ${plan.repository}@${indexDigest} after the push`);
  return {
    result: { indexDigest, platforms: platformsOf(manifest.body, indexDigest, plan.platforms), pinned: `${plan.repository}@${indexDigest}` },
    manifest,
  };
}

const tagAttempts = 5;

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
  let tag = decideTag({
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
  for (let attempt = 1; ; attempt++) {
      const result = await buildOnce(request, { tag, ociTemplate, checks, revision, remote, builderCommands });
      if (result.dryRun || !result.taken) return result;
      const { taken } = result;
      if (tag.source !== 'date' || attempt >= tagAttempts) {
        throw new PreconditionError(
          `${config.image.repository}:${tag.tag} was pushed by a concurrent release while this one built (it names ${taken.holder}); nothing was tagged`,
          {
            hint: tag.source === 'date'
              ? `${tagAttempts} free date tags in a row were taken: re-run the build`
              : `pushed tags are never overwritten: release a new version (this build is in the registry, untagged, as ${taken.pinned})`,
          },
        );
      }
      // Another release took the date tag: rebuild as the next free one (the tag is in labels,
      // build args and the OCI path, so the image changes too; the cache makes it quick).
      const { client, path } = await registryTarget(config.image.repository, env);
      tag = nextDateTagAfterRace(tag, await client.tags(path));
      request.onLine?.(`shipline: ${config.image.repository}:${taken.tag} was taken by a concurrent release; building ${tag.tag}`);
  }
}

interface Attempt {
  tag: TagDecision;
  ociTemplate: string | undefined;
  checks: PreflightResult;
  revision: string | undefined;
  remote: string | undefined;
  builderCommands: string[][];
}

type AttemptResult = BuildResult & { taken?: { tag: string; holder: string; pinned: string } };

/** One build under one tag: plan, run, and (when pushing) claim the tag for the pushed digest. */
async function buildOnce(request: BuildRequest, attempt: Attempt): Promise<AttemptResult> {
  const { loaded, overrides = {} } = request;
  const { config, baseDir } = loaded;
  const env = request.env ?? process.env;
  const dryRun = request.dryRun ?? false;
  const { tag, ociTemplate, checks } = attempt;
  if (ociTemplate) {
    const field = typeof overrides.oci === 'string' ? '--oci' : `${loaded.file}: output.oci`;
    checkOciPath(resolve(baseDir, ociPathFor(ociTemplate, tag.tag, config.image.repository)), field);
  }

  // The folder of buildx's --metadata-file: the same path in a dry run as in the real one.
  const metadataBase = metadataBaseDir(`${config.image.repository}:${tag.tag}`, env);
  const claim = dryRun ? { dir: freeMetadataDir(metadataBase), release: () => undefined } : await claimMetadataDir(metadataBase);
  const plan = planBuild({
    config,
    tag: tag.tag,
    clock: request.clock,
    git: { revision: attempt.revision, source: attempt.remote },
    facts: { buildxVersion: checks.buildxVersion, buildkitVersion: checks.builder?.buildkitVersion },
    overrides,
    metadataDir: claim.dir,
  });
  const result: AttemptResult = { plan, tag, dryRun, warnings: checks.warnings, builderCommands: attempt.builderCommands, cwd: baseDir };
  if (plan.ociPath) result.ociPath = resolve(baseDir, plan.ociPath);
  if (dryRun) return result;

  const ociExisted = result.ociPath !== undefined && existsSync(result.ociPath);
  try {
    // Nothing half-done: a failed export, or a tarball named after a tag this build did not get.
    const dropTarball = () => {
      if (result.ociPath && !ociExisted) rmSync(result.ociPath, { force: true });
    };
    // The progress lines that tell what the attestations cost, per pass (see attestation-cost.ts).
    const costLines: string[][] = [];
    const onLine = (line: string) => {
      if (/ generating sbom | load metadata for | DONE \d| exporting attestation manifest /.test(line)) costLines.at(-1)!.push(line);
      request.onLine?.(line);
    };
    for (const pass of plan.passes) {
      costLines.push([]);
      await runBuild(pass.argv, { cwd: baseDir, env: pass.env, onLine, logShown: request.logShown }).catch((error: unknown) => {
        dropTarball();
        throw error;
      });
    }
    const { sbom, provenance } = config.attest;
    if (sbom || provenance) {
      result.attestations = { sbom, provenance, ...sumCosts(costLines.map((lines) => attestationCost(lines, config.attest.scanner))) };
    }
    const registryPass = plan.passes.find((p) => p.exports.includes('registry'));
    if (registryPass) {
      const target = await registryTarget(plan.repository, env);
      const pushed = await pushedManifest(plan, registryPass.metadataFile, target);
      if (plan.tagging === 'shipline') {
        const tagClaim = await claimTag(target.client, target.path, plan.tag, pushed.manifest, { force: request.force });
        if (!tagClaim.claimed) {
          dropTarball();
          return { ...result, taken: { tag: plan.tag, holder: tagClaim.holder, pinned: pushed.result.pinned! } };
        }
      }
      Object.assign(result, pushed.result);
      if (plan.ociFromPush && result.ociPath) {
        const { digest, mediaType, raw } = pushed.manifest;
        await writeOciFromRegistry(target.client, target.path, { digest, mediaType, size: raw.length }, plan.imageRef, plan.tag, result.ociPath);
      }
    }
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
