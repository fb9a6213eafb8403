// Pure: what `bundle inspect --sbom` and `--provenance` print of an attestation's predicate.
// SBOM: the SPDX document's packages. Provenance: SLSA v0.2 or v1 as BuildKit writes them.

export interface SbomPackage {
  name: string;
  version: string;
  license: string;
}

export interface ProvenanceSummary {
  predicateType: string;
  builder: string;
  buildType: string;
  /** Where the build came from: the git remote and revision BuildKit recorded, or the config source. */
  source: { uri?: string; revision?: string; digest?: string };
  /** Build arguments and labels as BuildKit recorded them (never secrets: BuildKit records only secret ids). */
  args: Record<string, string>;
  materials: { uri: string; digest: string }[];
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** BuildKit's own metadata: under this key in SLSA v0.2, under `buildkit_metadata` in v1. */
const buildkitMetadataV02 = 'https://mobyproject.org/buildkit@v1#metadata';

/** The git remote and revision BuildKit recorded (buildx sends them for a git checkout). */
function vcsOf(metadata: unknown): Json {
  const m = obj(metadata);
  return obj(obj(m.buildkit_metadata ?? m[buildkitMetadataV02]).vcs);
}

/** A URL without user info: buildx masks credentials as xxxxx:xxxxx, which says nothing. */
function withoutUserInfo(uri: string | undefined): string | undefined {
  return uri?.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}

function license(pkg: Json): string {
  for (const field of ['licenseDeclared', 'licenseConcluded']) {
    const value = str(pkg[field]);
    if (value && value !== 'NOASSERTION') return value;
  }
  return 'NOASSERTION';
}

/** The SPDX document's packages (not the document's own root), sorted by name and version. */
export function sbomPackages(predicate: unknown): SbomPackage[] {
  return list(obj(predicate).packages)
    .map(obj)
    .filter((pkg) => !String(pkg.SPDXID ?? '').startsWith('SPDXRef-DocumentRoot'))
    .map((pkg) => ({ name: str(pkg.name) ?? '?', version: str(pkg.versionInfo) ?? '', license: license(pkg) }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

function digestString(digest: unknown): string {
  return Object.entries(obj(digest)).map(([alg, value]) => `${alg}:${String(value)}`).join(',');
}

function stringArgs(args: unknown): Record<string, string> {
  const pairs = Object.entries(obj(args)).flatMap(([k, v]): [string, string][] => (typeof v === 'string' ? [[k, v]] : []));
  return Object.fromEntries(pairs.sort(([a], [b]) => a.localeCompare(b)));
}

function materials(deps: unknown): ProvenanceSummary['materials'] {
  return list(deps).map(obj).map((m) => ({ uri: str(m.uri) ?? '?', digest: digestString(m.digest) }));
}

export function provenanceSummary(predicateType: string, predicate: unknown): ProvenanceSummary {
  const p = obj(predicate);
  if (p.buildDefinition !== undefined || p.runDetails !== undefined) {
    const definition = obj(p.buildDefinition);
    const run = obj(p.runDetails);
    const external = obj(definition.externalParameters);
    const config = obj(external.configSource);
    const vcs = vcsOf(run.metadata);
    return {
      predicateType,
      builder: str(obj(run.builder).id) ?? '',
      buildType: str(definition.buildType) ?? '',
      source: { uri: withoutUserInfo(str(vcs.source) ?? str(config.uri)), revision: str(vcs.revision), digest: digestString(config.digest) || undefined },
      args: stringArgs(obj(external.request).args),
      materials: materials(definition.resolvedDependencies),
    };
  }
  const invocation = obj(p.invocation);
  const config = obj(invocation.configSource);
  const vcs = vcsOf(p.metadata);
  return {
    predicateType,
    builder: str(obj(p.builder).id) ?? '',
    buildType: str(p.buildType) ?? '',
    source: { uri: withoutUserInfo(str(vcs.source) ?? str(config.uri)), revision: str(vcs.revision), digest: digestString(config.digest) || undefined },
    args: stringArgs(obj(invocation.parameters).args),
    materials: materials(p.materials),
  };
}
