// The build plan: from config, tag and facts to the exact `docker buildx build` argv.
// Pure: no processes, no clock, no cwd of its own.
import semver from 'semver';
import type { BuildConfig } from '../config/schema.js';

export interface BuildFacts {
  buildxVersion?: string;
  buildkitVersion?: string;
}

export interface BuildOverrides {
  push?: boolean;
  oci?: string | false;
  platforms?: string[];
}

export interface GitFacts {
  revision?: string;
  source?: string;
}

export interface BuildPass {
  argv: string[];
  env: Record<string, string>;
  metadataFile: string;
  exports: ('registry' | 'oci')[];
}

export interface BuildPlan {
  imageRef: string;
  repository: string;
  tag: string;
  platforms: string[];
  push: boolean;
  ociPath?: string;
  labels: Record<string, string>;
  builder: string;
  /**
   * Who writes the tag: shipline, after the push by digest (checked at tag time, never
   * overwritten), or buildx itself, when it merges the index of a multi-node builder.
   */
  tagging: 'shipline' | 'buildx';
  /**
   * The OCI tarball is written from the pushed index (registry API) instead of by a build:
   * with attestations, every BuildKit export writes its own provenance (its own finish time),
   * so a tarball from a build would hold another index than the registry.
   */
  ociFromPush: boolean;
  passes: BuildPass[];
}

export interface PlanInputs {
  config: BuildConfig;
  tag: string;
  clock: Date;
  git: GitFacts;
  facts: BuildFacts;
  overrides?: BuildOverrides;
  /** Directory for --metadata-file outputs (the same in a dry run and the real one). */
  metadataDir: string;
}

/** Several exporters in one build need BuildKit and buildx 0.13 or newer. */
export function supportsMultipleExporters(facts: BuildFacts): boolean {
  const ok = (v?: string) => {
    const c = v ? semver.coerce(v, { includePrerelease: true }) : null;
    return c !== null && semver.gte(c, '0.13.0');
  };
  return ok(facts.buildxVersion) && ok(facts.buildkitVersion);
}

/** The OCI tarball path template in effect: --oci / --no-oci over output.oci. */
export function ociTemplateOf(config: BuildConfig, overrides: BuildOverrides): string | undefined {
  return overrides.oci === false ? undefined : (overrides.oci ?? config.output.oci);
}

export function ociPathFor(template: string, tag: string, repository: string): string {
  const name = repository.split('/').at(-1) ?? repository;
  return template.replaceAll('{tag}', tag).replaceAll('{name}', name);
}

/** Strips credentials from a git remote URL before it becomes a public label. */
export function publicSource(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/^[^@/]+@/, '');
  }
}

export function ociLabels(inputs: PlanInputs): Record<string, string> {
  const { config, tag, clock, git } = inputs;
  const standard: Record<string, string | undefined> = {
    'org.opencontainers.image.version': tag,
    'org.opencontainers.image.revision': git.revision,
    'org.opencontainers.image.created': clock.toISOString(),
    'org.opencontainers.image.source': config.image.source ?? publicSource(git.source),
  };
  const labels: Record<string, string> = { ...config.image.labels };
  for (const [key, value] of Object.entries(standard)) {
    if (value !== undefined && labels[key] === undefined) labels[key] = value;
  }
  return labels;
}

function sorted(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}

export function planBuild(inputs: PlanInputs): BuildPlan {
  const { config, tag, overrides = {} } = inputs;
  const repository = config.image.repository;
  const imageRef = `${repository}:${tag}`;
  const platforms = overrides.platforms ?? config.image.platforms;
  const push = overrides.push ?? config.output.push;
  const ociTemplate = ociTemplateOf(config, overrides);
  const ociPath = ociTemplate ? ociPathFor(ociTemplate, tag, repository) : undefined;
  const labels = ociLabels(inputs);

  const extras: string[] = [];
  for (const [k, v] of sorted(labels)) extras.push('--label', `${k}=${v}`);
  // {tag} in a build argument is the tag being built (e.g. VERSION: '{tag}').
  for (const [k, v] of sorted(config.image.buildArgs)) extras.push('--build-arg', `${k}=${v.replaceAll('{tag}', tag)}`);
  for (const spec of config.cache.from) extras.push('--cache-from', spec);
  for (const spec of config.cache.to) extras.push('--cache-to', spec);
  extras.push(`--provenance=${config.attest.provenance ? 'mode=max' : 'false'}`);
  if (config.attest.sbom) extras.push(config.attest.scanner ? `--sbom=generator=${config.attest.scanner}` : '--sbom=true');

  // A multi-node builder pushes each node's image by digest and then writes the merged index
  // under the image's names itself; it cannot merge without naming a tag.
  const tagging = config.builder.nodes.length > 1 ? 'buildx' : 'shipline';
  // The registry gets the image by digest only: shipline writes the tag afterwards, when it
  // can check that no concurrent release took it. So a pass that pushes has no -t (buildx
  // would push its names); its OCI tarball is named explicitly instead. No name-canonical:
  // each repo@digest record it adds to BuildKit's image store would pin that image's content.
  const named = (exports: readonly ('registry' | 'oci')[]) => tagging === 'buildx' || !exports.includes('registry');
  const exportArgs = (exports: readonly ('registry' | 'oci')[]) => (kind: 'registry' | 'oci') =>
    kind === 'oci'
      ? ['--output', `type=oci,dest=${ociPath}${named(exports) ? '' : `,name=${imageRef}`}`]
      : tagging === 'buildx'
        ? ['--push']
        : ['--output', `type=image,name=${repository},push-by-digest=true,push=true`];
  const ociFromPush = (config.attest.provenance || config.attest.sbom) && push && ociPath !== undefined && tagging === 'shipline';
  const wanted: ('registry' | 'oci')[] = [...(push ? ['registry' as const] : []), ...(ociPath && !ociFromPush ? ['oci' as const] : [])];
  const combine =
    config.output.combine === 'always' || (config.output.combine === 'auto' && supportsMultipleExporters(inputs.facts));
  const groups = combine || wanted.length <= 1 ? [wanted] : wanted.map((w) => [w]);

  const passes = groups.map((exports, i): BuildPass => {
    const metadataFile = `${inputs.metadataDir}/metadata-${i + 1}.json`;
    return {
      argv: [
        'docker', 'buildx', 'build',
        '--platform', platforms.join(','),
        ...(named(exports) ? ['-t', imageRef] : []),
        '-f', config.image.dockerfile,
        ...exports.flatMap(exportArgs(exports)),
        ...extras,
        '--metadata-file', metadataFile,
        config.image.context,
      ],
      // Plain progress: the log a person (and the failure summary) can read line by line.
      env: { BUILDKIT_PROGRESS: 'plain', BUILDX_BUILDER: config.builder.name },
      metadataFile,
      exports,
    };
  });
  return { imageRef, repository, tag, platforms, push, ociPath, labels, builder: config.builder.name, tagging, ociFromPush, passes };
}
