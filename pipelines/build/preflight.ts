// Checks before building: buildx, the builder and its platforms, the Dockerfile and
// context, the registry. In dry-run, unreachable outside systems are warnings.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildxVersion, inspectBuilder, type BuilderInfo } from '../adapters/buildx.js';
import type { BuildConfig } from '../config/schema.js';
import { InputError, PreconditionError, type ShiplineError } from '../errors.js';
import { checkPushAccess, registryTarget } from './registry-access.js';

export interface PreflightResult {
  buildxVersion?: string;
  builder?: BuilderInfo;
  /** Tags already in the target repository, when the registry answered. */
  existingTags?: string[];
  warnings: string[];
}

export function checkSources(config: BuildConfig, baseDir: string): void {
  const context = resolve(baseDir, config.image.context);
  if (!existsSync(context) || !statSync(context).isDirectory()) {
    throw new InputError(`image.context: ${context} is not a directory`, { hint: 'set image.context to the build context folder' });
  }
  const dockerfile = resolve(baseDir, config.image.dockerfile);
  if (!existsSync(dockerfile)) {
    throw new InputError(`image.dockerfile: ${dockerfile} does not exist`, { hint: 'set image.dockerfile to the Dockerfile path, relative to the config file' });
  }
}

export function missingPlatforms(builder: BuilderInfo, platforms: readonly string[]): string[] {
  return platforms.filter((p) => !builder.platforms.includes(p));
}

export async function preflight(
  config: BuildConfig,
  baseDir: string,
  options: { dryRun: boolean; platforms: string[]; push: boolean; offline?: boolean; env?: NodeJS.ProcessEnv },
): Promise<PreflightResult> {
  checkSources(config, baseDir);
  const warnings: string[] = [];
  const fail = (error: ShiplineError) => {
    if (!options.dryRun) throw error;
    warnings.push(error.message);
  };
  const result: PreflightResult = { warnings };
  // Side by side: each docker CLI call costs ~70 ms, which a no-change build notices.
  const [version, builder, tags] = await Promise.all([
    buildxVersion(),
    inspectBuilder(config.builder.name, !options.dryRun),
    options.offline ? Promise.resolve(undefined) : targetTags(config.image.repository, options.push, options.env).catch((error: Error) => error),
  ]);
  result.buildxVersion = version;
  if (!result.buildxVersion) {
    fail(new PreconditionError('docker buildx is not installed', { hint: 'run `npm run stack:up`, which builds and installs the buildx plugin' }));
  }
  if (result.buildxVersion && !builder) {
    fail(new PreconditionError(`builder.name: buildx builder ${config.builder.name} does not exist`, {
      hint: `create it (docker buildx create --name ${config.builder.name} ...), list builder.nodes in the config, or run \`npm run stack:up\` for shipline-local`,
    }));
  }
  if (builder) {
    result.builder = builder;
    const missing = missingPlatforms(builder, options.platforms);
    if (missing.length > 0) {
      fail(new PreconditionError(
        `builder ${config.builder.name} does not support ${missing.join(', ')} (it lists ${builder.platforms.join(', ') || 'nothing'})`,
        { hint: missing.some((p) => p.includes('arm'))
          ? 'register QEMU user emulation for arm64 (apt-get install qemu-user-static; it registers binfmt_misc) and restart buildkitd, or add an arm64 node under builder.nodes'
          : 'add a builder node for that platform under builder.nodes' },
      ));
    }
  }
  if (tags === undefined) {
    warnings.push(`offline: tags of ${config.image.repository} not checked; a date tag may need a .N suffix`);
  } else if (tags instanceof Error) {
    if (options.push) {
      fail(tags instanceof PreconditionError || tags instanceof InputError ? tags : new PreconditionError(`image.repository: ${tags.message}`, {
        hint: 'check that the registry is up and reachable, and your credentials in ~/.docker/config.json',
      }));
    }
    else warnings.push(`could not list tags of ${config.image.repository}: ${tags.message}`);
  } else {
    result.existingTags = tags;
  }
  return result;
}

/** Tags of the repository, with the Docker config's credentials for its registry. */
export async function existingTags(repository: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const { client, path } = await registryTarget(repository, env);
  return client.tags(path);
}

/** Before a push, the registry must also accept our credentials (or need none). */
async function targetTags(repository: string, push: boolean, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  if (!push) return existingTags(repository, env);
  const { client, path } = await checkPushAccess(repository, env);
  return client.tags(path);
}
