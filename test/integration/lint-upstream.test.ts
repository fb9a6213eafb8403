// lint on manifests no one here wrote: Gateway API v1.7.0's standard examples (all
// valid) and the invalid examples its CRD tests use (all invalid), and Istio's samples
// from the istio.io/istio module istioctl is built from. Read from the Go module cache.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatFinding, lintManifests } from '../../manifests/lint.js';
import { versions } from '../../pipelines/stack/layout.js';
import { goModuleDir } from '../support/go-module.js';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return name.endsWith('.yaml') ? [path] : [];
  });
}

const lintFile = (root: string, file: string) => lintManifests([{ file: relative(root, file), text: readFileSync(file, 'utf8') }]);

describe('Gateway API v1.7.0 examples', () => {
  let root: string;
  beforeAll(async () => {
    root = await goModuleDir('sigs.k8s.io/gateway-api', 'v1.7.0');
  }, 600_000);

  it('accepts every standard example', () => {
    const files = yamlFiles(join(root, 'examples', 'standard'));
    expect(files.length).toBeGreaterThanOrEqual(80);
    const findings = files.flatMap((f) => lintFile(root, f).findings.map(formatFinding));
    expect(findings).toEqual([]);
  });

  it('rejects every standard invalid example of the CRD tests', () => {
    const files = yamlFiles(join(root, 'hack', 'invalid-examples', 'standard'));
    expect(files.length).toBeGreaterThanOrEqual(30);
    const accepted = files.filter((f) => !lintFile(root, f).findings.some((found) => found.severity === 'error')).map((f) => relative(root, f));
    expect(accepted).toEqual([]);
  });
});

describe("Istio's samples", () => {
  it('lint clean but for the findings listed here, each explained', async () => {
    const root = join(await goModuleDir('istio.io/istio', versions.istioctl), 'samples');
    const files = yamlFiles(root).filter((f) => /apiVersion: (networking\.istio\.io|gateway\.networking\.k8s\.io)\//.test(readFileSync(f, 'utf8')));
    expect(files.length).toBeGreaterThanOrEqual(40);
    const findings = files.flatMap((f) => lintFile(root, f).findings.map((found) => `${found.severity}: ${formatFinding(found)}`)).sort();
    const served = 'is not served by the bundled CRDs (Gateway API v1.7.0 standard channel); served by Gateway API releases up to v1.5 (experimental channel) and v1.6 (deprecated)';
    expect(findings).toEqual([
      // An analyzer-level finding (istioctl warns "rule not used"): the second route can never match.
      'error: bookinfo/networking/fault-injection-details-v1.yaml: doc 1 (VirtualService/details): spec.http[1]: unreachable: spec.http[0] already matches every request it matches (first match wins)',
      // Gateway API v1.7.0's CRDs no longer serve TCPRoute v1alpha2, earlier releases do: a warning (an error with --strict).
      `warning: tcp-echo/gateway-api/tcp-echo-20-v2.yaml: doc 1 (TCPRoute/tcp-echo): apiVersion: TCPRoute gateway.networking.k8s.io/v1alpha2 ${served}`,
      `warning: tcp-echo/gateway-api/tcp-echo-all-v1.yaml: doc 4 (TCPRoute/tcp-echo): apiVersion: TCPRoute gateway.networking.k8s.io/v1alpha2 ${served}`,
    ]);
  }, 600_000);
});
