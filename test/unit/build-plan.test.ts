import { describe, expect, it } from 'vitest';
import { quoteArgv } from '../../pipelines/adapters/process.js';
import { planBuilderNodes } from '../../pipelines/build/builder-nodes.js';
import { planBuild, publicSource, supportsMultipleExporters } from '../../pipelines/build/plan.js';
import { splitRepository } from '../../pipelines/model/image-ref.js';
import { parseConfig } from '../../pipelines/config/load.js';

const notes = parseConfig(
  {
    image: { repository: 'modco/link', dockerfile: 'Dockerfile.musl', context: '.', platforms: ['linux/amd64', 'linux/arm64'], tag: 'date' },
    builder: { name: 'shipline-local' },
    output: { push: true, oci: 'link_{tag}.tar' },
  },
  'shipline.yaml',
);
const clock = new Date('2024-01-26T00:00:00Z');
const base = { tag: '20240126', clock, git: {}, metadataDir: '/tmp/m' };
const modern = { buildxVersion: '0.38.2', buildkitVersion: 'v0.34.2' };

/** The argv without shipline's additions (labels, provenance, metadata file). */
function core(argv: string[]): string {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (['--label', '--metadata-file'].includes(argv[i]!)) i++;
    else if (!argv[i]!.startsWith('--provenance')) out.push(argv[i]!);
  }
  return quoteArgv(out);
}

describe('build plan', () => {
  it('gives the commands of the user notes when the outputs go in two passes, the push by digest only', () => {
    const config = { ...notes, output: { ...notes.output, combine: 'never' as const } };
    const plan = planBuild({ ...base, config, facts: modern });
    // The notes' `-t modco/link:20240126 --push` would let buildx write the tag unchecked;
    // shipline pushes by digest and writes the tag itself (see claim-tag.ts).
    expect(plan.passes.map((p) => core(p.argv))).toEqual([
      'docker buildx build --platform linux/amd64,linux/arm64 -f Dockerfile.musl --output type=image,name=modco/link,push-by-digest=true,push=true .',
      'docker buildx build --platform linux/amd64,linux/arm64 -t modco/link:20240126 -f Dockerfile.musl --output type=oci,dest=link_20240126.tar .',
    ]);
    expect(plan.tagging).toBe('shipline');
    expect(plan.passes.map((p) => p.env)).toEqual([0, 1].map(() => ({ BUILDKIT_PROGRESS: 'plain', BUILDX_BUILDER: 'shipline-local' })));
  });

  it('puts both exporters in one build when buildx and BuildKit support it, else two passes', () => {
    expect(planBuild({ ...base, config: notes, facts: modern }).passes.map((p) => core(p.argv))).toEqual([
      'docker buildx build --platform linux/amd64,linux/arm64 -f Dockerfile.musl --output type=image,name=modco/link,push-by-digest=true,push=true --output type=oci,dest=link_20240126.tar,name=modco/link:20240126 .',
    ]);
    expect(planBuild({ ...base, config: notes, facts: { buildxVersion: '0.12.1', buildkitVersion: 'v0.12.5' } }).passes).toHaveLength(2);
    expect(planBuild({ ...base, config: notes, facts: {} }).passes).toHaveLength(2);
    expect(supportsMultipleExporters({ buildxVersion: 'v0.13.0', buildkitVersion: 'v0.13.0-rc1' })).toBe(false);
  });

  it('leaves the tag to buildx only on a multi-node builder, which merges the index under the names it is given', () => {
    const nodes = [
      { endpoint: 'tcp://amd:1234', platforms: ['linux/amd64'] },
      { endpoint: 'tcp://arm:1234', platforms: ['linux/arm64'] },
    ];
    const config = { ...notes, builder: { ...notes.builder, nodes }, output: { ...notes.output, oci: undefined } };
    const plan = planBuild({ ...base, config, facts: modern });
    expect(plan.tagging).toBe('buildx');
    expect(plan.passes.map((p) => core(p.argv))).toEqual([
      'docker buildx build --platform linux/amd64,linux/arm64 -t modco/link:20240126 -f Dockerfile.musl --push .',
    ]);
  });

  it('adds OCI labels, build args, cache specs, attestation switches and a metadata file', () => {
    const config = parseConfig(
      {
        image: { repository: 'r.example:5000/a/b', buildArgs: { B: '2', A: '1' }, labels: { team: 'rel' } },
        cache: { from: ['type=registry,ref=r.example:5000/a/cache'], to: ['type=inline'] },
        attest: { provenance: true, sbom: true },
        output: { push: false },
      },
      'shipline.yaml',
    );
    const plan = planBuild({ ...base, config, git: { revision: 'abc123', source: 'https://user:secret@git.example/a/b.git' }, facts: modern });
    expect(plan.passes).toHaveLength(1);
    expect(plan.passes[0]!.argv).toEqual([
      'docker', 'buildx', 'build', '--platform', 'linux/amd64,linux/arm64', '-t', 'r.example:5000/a/b:20240126', '-f', 'Dockerfile.musl',
      '--label', 'org.opencontainers.image.created=2024-01-26T00:00:00.000Z',
      '--label', 'org.opencontainers.image.revision=abc123',
      '--label', 'org.opencontainers.image.source=https://git.example/a/b.git',
      '--label', 'org.opencontainers.image.version=20240126',
      '--label', 'team=rel',
      '--build-arg', 'A=1', '--build-arg', 'B=2',
      '--cache-from', 'type=registry,ref=r.example:5000/a/cache', '--cache-to', 'type=inline',
      '--provenance=mode=max', '--sbom=true',
      '--metadata-file', '/tmp/m/metadata-1.json', '.',
    ]);
    expect(plan.passes[0]!.argv.join(' ')).not.toContain('secret');
  });

  it("names the config's SBOM scanner image as BuildKit's generator", () => {
    const config = parseConfig(
      { image: { repository: 'r.example:5000/a/b' }, attest: { sbom: true, scanner: 'r.example:5000/tools/scanner:1' } },
      'shipline.yaml',
    );
    const argv = planBuild({ ...base, config, facts: modern }).passes[0]!.argv;
    expect(argv).toContain('--sbom=generator=r.example:5000/tools/scanner:1');
    expect(argv).toContain('--provenance=false');
  });

  it('with attestations, writes the OCI tarball from the pushed index instead of a second export', () => {
    const raw = { image: { repository: 'r.example:5000/a/b' }, output: { push: true, oci: 'b.tar' }, attest: { provenance: true } };
    const pushed = planBuild({ ...base, config: parseConfig(raw, 'shipline.yaml'), facts: modern });
    expect(pushed.passes.map((p) => p.exports)).toEqual([['registry']]);
    expect(pushed.ociFromPush).toBe(true);
    const local = planBuild({ ...base, config: parseConfig({ ...raw, output: { push: false, oci: 'b.tar' } }, 'shipline.yaml'), facts: modern });
    expect(local.passes.map((p) => p.exports)).toEqual([['oci']]);
    expect(local.ociFromPush).toBe(false);
  });

  it('replaces {tag} in build arguments with the tag being built', () => {
    const config = parseConfig({ image: { repository: 'r.example:5000/a/b', buildArgs: { VERSION: '{tag}', NOTE: 'v{tag}-x' } } }, 'shipline.yaml');
    const argv = planBuild({ ...base, config, facts: modern }).passes[0]!.argv;
    expect(argv.join(' ')).toContain('--build-arg NOTE=v20240126-x --build-arg VERSION=20240126');
  });

  it('strips credentials from git remotes', () => {
    expect(publicSource('https://tok:x@github.com/o/r.git')).toBe('https://github.com/o/r.git');
    expect(publicSource('git@github.com:o/r.git')).toBe('github.com:o/r.git');
  });
});

describe('multi-node builders', () => {
  const nodes = [
    { endpoint: 'tcp://127.0.0.1:1234', platforms: ['linux/amd64'] },
    { endpoint: 'tcp://arm-host:1234', platforms: ['linux/arm64'] },
  ];
  it('creates one node per platform with --append', () => {
    expect(planBuilderNodes('multi', nodes, undefined)).toEqual([
      ['create', '--name', 'multi', '--node', 'multi-0', '--driver', 'remote', '--platform', 'linux/amd64', 'tcp://127.0.0.1:1234'],
      ['create', '--append', '--name', 'multi', '--node', 'multi-1', '--driver', 'remote', '--platform', 'linux/arm64', 'tcp://arm-host:1234'],
    ]);
  });
  it('does nothing when the builder already matches, and recreates it when it does not', () => {
    const live = (endpoints: string[]) => ({
      name: 'multi', driver: 'remote', endpoint: '', status: 'running', buildkitVersion: '', platforms: [],
      nodes: endpoints.map((endpoint, i) => ({ name: `multi-${i}`, endpoint, status: 'running', platforms: [], buildkitVersion: '' })),
    });
    expect(planBuilderNodes('multi', nodes, live(['tcp://127.0.0.1:1234', 'tcp://arm-host:1234']))).toEqual([]);
    expect(planBuilderNodes('multi', nodes, live(['tcp://127.0.0.1:1234']))[0]).toEqual(['rm', 'multi']);
  });
});

describe('repository names', () => {
  it('finds the registry host the way Docker does', () => {
    expect(splitRepository('modco/link')).toEqual({ host: 'docker.io', path: 'modco/link' });
    expect(splitRepository('busybox')).toEqual({ host: 'docker.io', path: 'library/busybox' });
    expect(splitRepository('127.0.0.1:5000/modco/link')).toEqual({ host: '127.0.0.1:5000', path: 'modco/link' });
    expect(splitRepository('localhost/x')).toEqual({ host: 'localhost', path: 'x' });
  });
});
