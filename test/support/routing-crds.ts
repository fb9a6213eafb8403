// Installs the real Istio and Gateway API CRDs (manifests/crds) into the stack's
// kube-apiserver; idempotent.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeApiError, type KubeClient } from '../../pipelines/adapters/kube.js';
import { applyObjects } from '../../pipelines/cluster/apply.js';
import { readObjects } from '../../pipelines/cluster/documents.js';
import { projectRoot } from '../../pipelines/config/load.js';

/** True once server-side apply knows the VirtualService schema (it lags a re-created CRD). */
async function schemaEnforced(client: KubeClient): Promise<boolean> {
  const probe = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'schema-probe', namespace: 'default' }, spec: { hosts: ['x'], bogus: true } };
  try {
    await client.apply(probe, { fieldManager: 'shipline-test-crds', dryRun: true });
    return false;
  } catch (error) {
    return error instanceof KubeApiError && /bogus/.test(error.message);
  }
}

export async function installRoutingCrds(client: KubeClient): Promise<void> {
  const objects = readObjects([join(projectRoot, 'manifests', 'crds')]);
  await applyObjects(client, objects, { fieldManager: 'shipline-test-crds', namespace: 'default', force: true });
  client.forgetDiscovery();
  for (let i = 0; i < 150 && !(await schemaEnforced(client)); i++) await sleep(200);
}
