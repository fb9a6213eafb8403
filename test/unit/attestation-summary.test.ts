// What `bundle inspect --sbom/--provenance` and the build summary make of BuildKit's attestations.
import { describe, expect, it } from 'vitest';
import { provenanceSummary, sbomPackages } from '../../pipelines/bundle/attestation-summary.js';
import { attestationCost, sumCosts } from '../../pipelines/build/attestation-cost.js';

describe('sbomPackages', () => {
  it("lists the SPDX packages but the document's root, with the declared licence first", () => {
    const packages = sbomPackages({
      packages: [
        { SPDXID: 'SPDXRef-DocumentRoot-Directory-sbom', name: 'sbom' },
        { SPDXID: 'SPDXRef-Package-binary-busybox-1', name: 'busybox', versionInfo: '1.37.0', licenseConcluded: 'NOASSERTION', licenseDeclared: 'NOASSERTION' },
        { SPDXID: 'SPDXRef-Package-deb-musl-2', name: 'musl', versionInfo: '1.2.5-3', licenseConcluded: 'MIT', licenseDeclared: 'MIT OR X11' },
      ],
    });
    expect(packages).toEqual([
      { name: 'busybox', version: '1.37.0', license: 'NOASSERTION' },
      { name: 'musl', version: '1.2.5-3', license: 'MIT OR X11' },
    ]);
  });

  it('reads nothing from a predicate that is not an SPDX document', () => {
    expect(sbomPackages('nonsense')).toEqual([]);
    expect(sbomPackages({ packages: 'x' })).toEqual([]);
  });
});

describe('provenanceSummary', () => {
  const vcs = { 'https://mobyproject.org/buildkit@v1#metadata': { vcs: { revision: 'abc123', source: 'https://git.example/a/b.git' } } };

  it('reads SLSA v0.2 as BuildKit writes it', () => {
    const summary = provenanceSummary('https://slsa.dev/provenance/v0.2', {
      builder: { id: '' },
      buildType: 'https://mobyproject.org/buildkit@v1',
      invocation: { configSource: { entryPoint: 'Dockerfile.musl' }, parameters: { frontend: 'dockerfile.v0', args: { 'build-arg:MARK': 'x', 'label:team': 'rel' } } },
      materials: [{ uri: 'pkg:docker/127.0.0.1:5000/shipline/base@musl-1?platform=linux%2Famd64', digest: { sha256: 'f00' } }],
      metadata: vcs,
    });
    expect(summary).toEqual({
      predicateType: 'https://slsa.dev/provenance/v0.2',
      builder: '',
      buildType: 'https://mobyproject.org/buildkit@v1',
      source: { uri: 'https://git.example/a/b.git', revision: 'abc123', digest: undefined },
      args: { 'build-arg:MARK': 'x', 'label:team': 'rel' },
      materials: [{ uri: 'pkg:docker/127.0.0.1:5000/shipline/base@musl-1?platform=linux%2Famd64', digest: 'sha256:f00' }],
    });
  });

  it('reads SLSA v1', () => {
    const summary = provenanceSummary('https://slsa.dev/provenance/v1', {
      buildDefinition: { buildType: 'https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md', externalParameters: { request: { args: { 'build-arg:A': '1' } } }, resolvedDependencies: [] },
      runDetails: { builder: { id: 'https://ci.example/runner' }, metadata: { buildkit_metadata: { vcs: { revision: 'abc123', source: 'https://xxxxx:xxxxx@git.example/a/b.git' } } } },
    });
    expect(summary.builder).toBe('https://ci.example/runner');
    expect(summary.source).toEqual({ uri: 'https://git.example/a/b.git', revision: 'abc123', digest: undefined });
    expect(summary.args).toEqual({ 'build-arg:A': '1' });
  });
});

describe('attestationCost', () => {
  it('sums the SBOM steps and the attestation manifests of a plain progress log', () => {
    const scanner = '127.0.0.1:5000/shipline/sbom-scanner:syft-v1.57.2-1';
    const cost = attestationCost([
      `#3 [internal] load metadata for ${scanner}`,
      '#4 [internal] load metadata for 127.0.0.1:5000/shipline/base:musl-1',
      '#3 DONE 0.2s',
      '#4 DONE 0.1s',
      `#12 [linux/amd64] generating sbom using ${scanner}`,
      `#13 [linux/arm64] generating sbom using ${scanner}`,
      '#12 DONE 1.5s',
      '#13 DONE 1.7s',
      '#15 exporting attestation manifest sha256:aa11 0.1s done',
      '#15 exporting attestation manifest sha256:bb22 0.2s done',
    ], scanner);
    // A second run of the same build: the scans are cached and cost nothing.
    const cached = attestationCost([`#12 [linux/amd64] generating sbom using ${scanner}`, '#12 CACHED'], scanner);
    expect(sumCosts([cost, cached])).toEqual({ sbomSeconds: 3.4, manifestSeconds: 0.3, scans: 2 });
  });
});
