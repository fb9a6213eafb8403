// `shipline check` lists each served version's kinds sorted, the same on every run.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../pipelines/adapters/kube.js';
import { paths } from '../../pipelines/stack/layout.js';
import { shipline } from '../support/cli.js';
import { installRoutingCrds } from '../support/routing-crds.js';

const dir = mkdtempSync(join(tmpdir(), 'shipline-check-order-'));
const env = { KUBECONFIG: paths.kubeconfig() };
writeFileSync(join(dir, 'shipline.yaml'), 'image:\n  repository: 127.0.0.1:5000/e2e/check-order\nrouting:\n  implementation: external\n  name: check-order\n  hosts: [example.com]\n  service: s\n  port: 80\n  rules:\n    - to: [{ service: s }]\n');

beforeAll(async () => {
  await installRoutingCrds(KubeClient.load(paths.kubeconfig()));
});

/** "group: v1 (A, B); v1beta1 (C)" → { v1: [A, B], v1beta1: [C] } for each routing group. */
function servedKinds(stdout: string): Record<string, string[]> {
  const kinds: Record<string, string[]> = {};
  for (const line of stdout.split('\n').filter((l) => /^(networking\.istio\.io|gateway\.networking\.k8s\.io): /.test(l))) {
    const [group, versions] = line.split(': ');
    for (const [, version, list] of versions!.matchAll(/(\w+) \(([^)]*)\)/g)) kinds[`${group}/${version}`] = list!.split(', ');
  }
  return kinds;
}

describe('shipline check: kinds', () => {
  it('are sorted within each version and the same on every run', async () => {
    const runs = await Promise.all([1, 2, 3].map(() => shipline(['check'], { cwd: dir, env })));
    for (const run of runs) expect(run.exitCode, run.stderr).toBe(0);
    const [first, ...others] = runs.map((run) => servedKinds(run.stdout));
    expect(first!['networking.istio.io/v1']).toEqual(expect.arrayContaining(['DestinationRule', 'VirtualService']));
    expect(first!['gateway.networking.k8s.io/v1']).toEqual(expect.arrayContaining(['Gateway', 'GatewayClass', 'HTTPRoute']));
    for (const [version, kinds] of Object.entries(first!)) expect(kinds, version).toEqual([...kinds].sort());
    for (const other of others) expect(other).toEqual(first);
  });
});
