// check with and without the routing CRDs installed, on a private kube-apiserver of the
// test's own (the stack's binaries and PKI code, its own etcd): removing CRDs from the
// shared cluster would take the data plane's Gateway and every route with them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../pipelines/adapters/kube.js';
import { deleteObjects } from '../../pipelines/cluster/apply.js';
import { gatherRoutingFacts, type RoutingFacts } from '../../pipelines/cluster/check-facts.js';
import { chooseRoutingApi } from '../../pipelines/cluster/choose-api.js';
import { readObjects } from '../../pipelines/cluster/documents.js';
import { routingNeeds } from '../../pipelines/cluster/routing-needs.js';
import { projectRoot } from '../../pipelines/config/load.js';
import { PreconditionError } from '../../pipelines/errors.js';
import { ApiserverInstance } from '../faults/support/apiserver-instance.js';
import { installRoutingCrds } from '../support/routing-crds.js';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const crds = readObjects([join(projectRoot, 'manifests', 'crds')]);
const gatewayCrds = crds.filter((c) => c.object.metadata.name.endsWith('gateway.networking.k8s.io'));
const istioCrds = crds.filter((c) => c.object.metadata.name.endsWith('networking.istio.io'));
const needsNothing = routingNeeds(undefined);

/** Discovery drops a deleted CRD's group a moment after the CRD is gone: poll until it has. */
async function factsWhen(settled: (f: RoutingFacts) => boolean): Promise<RoutingFacts> {
  for (let i = 0; ; i++) {
    const f = await gatherRoutingFacts(KubeClient.load(apiserver.kubeconfig), 'default');
    if (settled(f) || i >= 100) return f;
    await sleep(200);
  }
}

let apiserver: ApiserverInstance;
beforeAll(async () => {
  apiserver = await ApiserverInstance.start();
}, 300_000);

afterAll(async () => {
  await apiserver?.stop();
});

describe('check with and without routing CRDs', () => {
  it('with only Istio installed picks Istio, and refuses Gateway API', async () => {
    const client = KubeClient.load(apiserver.kubeconfig);
    await installRoutingCrds(client);
    await deleteObjects(client, gatewayCrds, { namespace: 'default' });
    const f = await factsWhen((x) => x.gatewayApi.versions.length === 0);
    expect(f.gatewayApi.versions).toEqual([]);
    expect(chooseRoutingApi(needsNothing, f).apiVersion).toBe('networking.istio.io/v1');
    expect(() => chooseRoutingApi(needsNothing, f, 'gateway-api')).toThrow(/serves no HTTPRoute/);
  });

  it('with only Gateway API installed picks it, and refuses fault injection (exit 3)', async () => {
    const client = KubeClient.load(apiserver.kubeconfig);
    await installRoutingCrds(client);
    await deleteObjects(client, istioCrds, { namespace: 'default' });
    const f = await factsWhen((x) => x.istio.versions.length === 0 && x.gatewayApi.versions.length > 0);
    expect(f.istio.versions).toEqual([]);
    expect(chooseRoutingApi(needsNothing, f).apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(() => chooseRoutingApi({ ...needsNothing, fault: true }, f)).toThrow(PreconditionError);
  });

  it('with no routing CRDs at all says so (exit 3)', async () => {
    const client = KubeClient.load(apiserver.kubeconfig);
    await deleteObjects(client, gatewayCrds, { namespace: 'default' });
    const f = await factsWhen((x) => x.istio.versions.length === 0 && x.gatewayApi.versions.length === 0);
    expect(() => chooseRoutingApi(needsNothing, f)).toThrow(/serves no routing API: neither networking\.istio\.io nor gateway\.networking\.k8s\.io/);
  });
});
