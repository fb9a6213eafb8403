// Pure: what SBOM and provenance cost a build, read from BuildKit's plain progress log. The
// SBOM steps are their own vertices ("[linux/arm64] generating sbom using IMAGE", and loading
// the scanner image's metadata); provenance is written while exporting ("exporting attestation
// manifest sha256:… 0.1s done"). Steps run in parallel, so the sum is work, not wall time.

export interface AttestationCost {
  /** Seconds of the SBOM steps (scanner image resolution and the scans). */
  sbomSeconds: number;
  /** Seconds of writing the attestation manifests. */
  manifestSeconds: number;
  /** SBOM scans run (not cached), one per platform. */
  scans: number;
}

/** What BuildKit runs for `--sbom=true`. */
const defaultScanner = 'docker.io/docker/buildkit-syft-scanner';
const vertexStart = /^#(\d+) (.*)$/;
const vertexDone = /^#(\d+) DONE (\d+(?:\.\d+)?)s$/;
const attestationManifest = /^#\d+ exporting attestation manifest sha256:[a-f0-9]+ (\d+(?:\.\d+)?)s done$/;

/** The cost in one buildx run's log (vertex numbers restart with each run). */
export function attestationCost(lines: readonly string[], scanner: string | undefined): AttestationCost {
  const sbomVertices = new Set<string>();
  const scanVertices = new Set<string>();
  const cost: AttestationCost = { sbomSeconds: 0, manifestSeconds: 0, scans: 0 };
  const seen = new Set<string>();
  for (const line of lines) {
    const manifest = attestationManifest.exec(line);
    if (manifest) {
      cost.manifestSeconds += Number(manifest[1]);
      continue;
    }
    const done = vertexDone.exec(line);
    if (done) {
      if (sbomVertices.has(done[1]!)) cost.sbomSeconds += Number(done[2]);
      if (scanVertices.has(done[1]!)) cost.scans += 1;
      continue;
    }
    const start = vertexStart.exec(line);
    if (!start || seen.has(start[1]!)) continue;
    seen.add(start[1]!);
    const title = start[2]!;
    if (/\] generating sbom using /.test(title)) {
      sbomVertices.add(start[1]!);
      scanVertices.add(start[1]!);
    } else if (title.includes(`load metadata for ${scanner ?? defaultScanner}`)) {
      sbomVertices.add(start[1]!);
    }
  }
  return cost;
}

export function sumCosts(costs: readonly AttestationCost[]): AttestationCost {
  const round = (n: number) => Math.round(n * 10) / 10;
  const cost = costs.reduce((a, b) => ({ sbomSeconds: a.sbomSeconds + b.sbomSeconds, manifestSeconds: a.manifestSeconds + b.manifestSeconds, scans: a.scans + b.scans }),
    { sbomSeconds: 0, manifestSeconds: 0, scans: 0 });
  return { sbomSeconds: round(cost.sbomSeconds), manifestSeconds: round(cost.manifestSeconds), scans: cost.scans };
}

/** The summary line of a build with attestations (build and release print it). */
export function describeAttestationCost(a: { sbom: boolean; provenance: boolean } & AttestationCost): string {
  const sbom = a.sbom && `SBOM (${a.scans} ${a.scans === 1 ? 'scan' : 'scans'} run, ${a.sbomSeconds}s)`;
  const what = [sbom, a.provenance && 'provenance'].filter(Boolean).join(' + ');
  return `${what}; attestation manifests ${a.manifestSeconds}s (BuildKit step times, summed over platforms)`;
}
