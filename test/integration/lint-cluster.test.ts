// Agreement with the cluster: for every golden manifest and every lint case (one per
// CEL rule family of the shipped CRDs, plus the former false alarms), lint's verdict
// equals the verdict of a Strict server-side dry-run on the stack's kube-apiserver with
// the same CRDs installed. Any disagreement fails, naming both answers.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KubeApiError, KubeClient, type KubeObject } from '../../pipelines/adapters/kube.js';
import { paths } from '../../pipelines/stack/layout.js';
import { formatFinding, lintManifests } from '../../manifests/lint.js';
import { lintCases } from '../../scripts/bench/fixtures/lint-cases.js';
import { installRoutingCrds } from '../support/routing-crds.js';

const root = join(import.meta.dirname, '..', '..');
const namespace = 'lint-agreement';
const fieldManager = 'shipline-lint-agreement-test';
const kube = KubeClient.load(paths.kubeconfig());

interface Sample {
  name: string;
  yaml: string;
  /** The verdict the case was written for (goldens: valid). */
  valid: boolean;
}

const goldenDir = join(root, 'test', 'unit', 'golden');
const samples: Sample[] = [
  ...readdirSync(goldenDir)
    .filter((f) => /\.(istio|gateway-api)\.yaml$/.test(f))
    .sort()
    .map((f) => ({ name: f, yaml: readFileSync(join(goldenDir, f), 'utf8'), valid: true })),
  ...lintCases,
];

const routing = (o: KubeObject) => /\.(istio\.io|k8s\.io)\//.test(o.apiVersion);

/** The apiserver's verdict on every routing document of the sample: undefined when all pass, else its message. */
async function clusterVerdict(yaml: string): Promise<string | undefined> {
  for (const doc of parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject).filter(routing)) {
    const object = { ...doc, metadata: { ...doc.metadata, namespace } };
    try {
      await kube.apply(object, { fieldManager, dryRun: true });
    } catch (error) {
      // 422 Invalid (schema, CEL) or 500 (server-side apply refusing an undeclared field).
      if (error instanceof KubeApiError && [400, 422, 500].includes(error.status)) return error.message;
      throw error;
    }
  }
  return undefined;
}

/** Waits until every shipped kind is served (a freshly installed CRD takes a moment). */
async function waitServed(): Promise<void> {
  const probe: KubeObject = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'probe', namespace }, spec: { hosts: ['probe.example.com'] } };
  for (let i = 0; i < 150; i++) {
    try {
      await kube.apply(probe, { fieldManager, dryRun: true });
      return;
    } catch (error) {
      if (!(error instanceof KubeApiError) || error.status !== 404) throw error;
      kube.forgetDiscovery();
      await sleep(200);
    }
  }
  throw new Error('ServiceEntry was never served after installing the CRDs');
}

beforeAll(async () => {
  await installRoutingCrds(kube);
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, { fieldManager });
  await waitServed();
});

describe('lint agrees with a Strict server-side dry-run', () => {
  it('covers every golden and every lint case', () => {
    expect(samples.filter((s) => s.name.endsWith('.yaml'))).toHaveLength(16);
    expect(samples.length).toBeGreaterThanOrEqual(30);
  });

  for (const sample of samples) {
    it(sample.name, async () => {
      const lint = lintManifests([{ file: sample.name, text: sample.yaml }]).findings.map(formatFinding);
      const cluster = await clusterVerdict(sample.yaml);
      const both = `lint: ${lint.join('\n') || 'no findings'}\ncluster: ${cluster ?? 'accepted'}`;
      // The case is what it claims to be on the real apiserver, and lint says the same.
      expect(cluster === undefined, both).toBe(sample.valid);
      expect(lint.length === 0, both).toBe(cluster === undefined);
    });
  }
});
