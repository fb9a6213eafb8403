// The attestation switches: what the build asks BuildKit for, and the embedded default's scanner.
import { describe, expect, it } from 'vitest';
import { embeddedDefault } from '../../pipelines/config/embedded-default.js';
import { buildConfigSchema } from '../../pipelines/config/schema.js';
import { sbomScannerRef } from '../../pipelines/stack/layout.js';
import { scannerDockerfile } from '../../pipelines/stack/parts/sbom-scanner.js';

describe('attestations', () => {
  it("turns both on in the embedded default, with the local stack's scanner image", () => {
    const config = buildConfigSchema.parse(embeddedDefault);
    expect(config.attest).toEqual({ sbom: true, provenance: true, scanner: sbomScannerRef });
  });

  it('refuses an empty scanner name', () => {
    const result = buildConfigSchema.safeParse({ image: { repository: 'r.example/a/b' }, attest: { sbom: true, scanner: '' } });
    expect(result.success).toBe(false);
  });

  it('builds the scanner image on a base image with the protocol script as its entry point', () => {
    const dockerfile = scannerDockerfile('127.0.0.1:5000/shipline/base:musl-1');
    expect(dockerfile.split('\n')[0]).toBe('FROM 127.0.0.1:5000/shipline/base:musl-1');
    expect(dockerfile).toContain('ENTRYPOINT ["/usr/bin/sbom-scan"]');
  });
});
