// Installs the real Istio and Gateway API CRDs (manifests/crds) into the stack's
// kube-apiserver; idempotent.
import { join } from 'node:path';
import type { KubeClient } from '../../pipelines/adapters/kube.js';
import { applyObjects } from '../../pipelines/cluster/apply.js';
import { readObjects } from '../../pipelines/cluster/documents.js';
import { projectRoot } from '../../pipelines/config/load.js';

export async function installRoutingCrds(client: KubeClient): Promise<void> {
  const objects = readObjects([join(projectRoot, 'manifests', 'crds')]);
  await applyObjects(client, objects, { fieldManager: 'shipline-test-crds', namespace: 'default', force: true });
  client.forgetDiscovery();
}
