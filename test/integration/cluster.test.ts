// check, apply and delete against the real kube-apiserver with the real routing CRDs.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../pipelines/adapters/kube.js';
import { applyObjects, deleteObjects, fieldConflicts } from '../../pipelines/cluster/apply.js';
import { gatherRoutingFacts } from '../../pipelines/cluster/check-facts.js';
import { chooseRoutingApi } from '../../pipelines/cluster/choose-api.js';
import { parseObjects } from '../../pipelines/cluster/documents.js';
import { routingNeeds } from '../../pipelines/cluster/routing-needs.js';
import { InputError, PreconditionError } from '../../pipelines/errors.js';
import { paths } from '../../pipelines/stack/layout.js';
import { installRoutingCrds } from '../support/routing-crds.js';

const client = KubeClient.load(paths.kubeconfig());
const options = { fieldManager: 'shipline', namespace: 'default' };

beforeAll(async () => {
  await installRoutingCrds(client);
});

describe('check against the real CRDs', () => {
  it('sees Istio v1/v1beta1/v1alpha3 and Gateway API v1 with their optional fields, and may patch them', async () => {
    const facts = await gatherRoutingFacts(client, 'default');
    expect(facts.istio.versions.map((v) => v.version).sort()).toEqual(['v1', 'v1alpha3', 'v1beta1']);
    expect(facts.istio.versions[0]!.kinds).toEqual(expect.arrayContaining(['VirtualService', 'DestinationRule', 'Gateway']));
    expect(facts.gatewayApi.versions.find((v) => v.version === 'v1')?.kinds).toContain('HTTPRoute');
    expect(facts.fields).toEqual({
      httpRouteRetry: true, httpRouteMirrorPercent: true, httpRouteTimeouts: true, virtualServiceFault: true, virtualServiceMirrorPercentage: true,
    });
    expect(facts.canPatch['virtualservices.networking.istio.io']).toBe(true);
    const needs = routingNeeds({ name: 'r', namespace: 'default', hosts: ['example.com'], gateways: [], subsets: {}, rules: [{ to: [{ service: 's' }], fault: { abort: { percent: 10, status: 500 } } }] });
    expect(chooseRoutingApi(needs, facts).apiVersion).toBe('networking.istio.io/v1');
    expect(() => chooseRoutingApi(needs, facts, 'gateway-api')).toThrow(PreconditionError);
  });
});

describe('apply', () => {
  const name = `cm-${randomBytes(4).toString('hex')}`;
  const doc = (value: string) => parseObjects(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  key: "${value}"\n`, 'cm.yaml');

  it('creates, then reports unchanged, then configured with a diff', async () => {
    expect((await applyObjects(client, doc('1'), options)).map((o) => o.action)).toEqual(['created']);
    expect((await applyObjects(client, doc('1'), options)).map((o) => o.action)).toEqual(['unchanged']);
    const [changed] = await applyObjects(client, doc('2'), { ...options, diff: true });
    expect(changed!.action).toBe('configured');
    expect(changed!.diff).toContain('-  key: "1"\n+  key: "2"');
  });

  it('reports a conflict by field and manager, changes nothing, and takes the field with force', async () => {
    const other = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { key: 'theirs' } } as KubeObject;
    await client.apply(other, { fieldManager: 'kubectl', force: true });
    const error = await applyObjects(client, doc('3'), options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionError);
    expect((error as Error).message).toMatch(/\.data\.key: conflict with "kubectl"/);
    expect((error as PreconditionError).hint).toContain('--force-conflicts');
    expect((await client.get<KubeObject & { data: Record<string, string> }>(other))!.data.key).toBe('theirs');
    await applyObjects(client, doc('3'), { ...options, force: true });
    expect((await client.get<KubeObject & { data: Record<string, string> }>(other))!.data.key).toBe('3');
  });

  it('names the conflicting fields and their manager, and forces only the objects picked', async () => {
    const [mine, theirs] = [`cm-${randomBytes(4).toString('hex')}`, `cm-${randomBytes(4).toString('hex')}`];
    const cm = (n: string, value: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: 'default' }, data: { key: value } }) as KubeObject;
    for (const n of [mine, theirs]) await client.apply(cm(n, 'kubectl'), { fieldManager: 'kubectl-client-side-apply', force: true });
    expect(await fieldConflicts(client, cm(mine, 'shipline'), 'shipline')).toEqual([{ field: '.data.key', manager: 'kubectl-client-side-apply' }]);
    expect(await fieldConflicts(client, cm(`${mine}-absent`, 'shipline'), 'shipline')).toEqual([]);
    const both = [cm(mine, 'shipline'), cm(theirs, 'shipline')].map((object, i) => ({ object, file: 'two.yaml', doc: i + 1 }));
    // Forcing one object does not force the other: the conflict on it refuses the whole apply.
    const refused = await applyObjects(client, both, { ...options, force: (o) => o.metadata.name === mine }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PreconditionError);
    expect((refused as Error).message).toMatch(/refused 1 of 2 objects/);
    expect((refused as Error).message).toContain(theirs);
    expect((refused as Error).message).not.toContain(`${mine} `);
    expect((await client.get<KubeObject & { data: Record<string, string> }>(cm(mine, '')))!.data.key).toBe('kubectl');
    await applyObjects(client, both.slice(0, 1), { ...options, force: (o) => o.metadata.name === mine });
    expect((await client.get<KubeObject & { data: Record<string, string> }>(cm(mine, '')))!.data.key).toBe('shipline');
    for (const n of [mine, theirs]) await client.delete(cm(n, ''));
  });

  it('validates every object before changing any: one bad object leaves the good ones unapplied', async () => {
    const good = `cm-${randomBytes(4).toString('hex')}`;
    const objects = parseObjects(
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${good}}\ndata: {a: "1"}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: broken}\nspec: {replicas: "many"}\n`,
      'mixed.yaml',
    );
    const error = await applyObjects(client, objects, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain('Deployment/broken (mixed.yaml doc 2)');
    expect(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: good, namespace: 'default' } })).toBeUndefined();
  });

  it('refuses kinds the cluster does not serve before changing anything, suggesting served ones', async () => {
    const missing = parseObjects('apiVersion: example.com/v1\nkind: Nothing\nmetadata: {name: x}\n', 'x.yaml');
    const noApi = await applyObjects(client, missing, options).catch((e: unknown) => e);
    expect(noApi).toBeInstanceOf(PreconditionError);
    expect((noApi as Error).message).toMatch(/does not serve Nothing in example\.com\/v1/);
    const typo = parseObjects('apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: x}\n', 'typo.yaml');
    const typoError = await applyObjects(client, typo, options).catch((e: unknown) => e);
    expect(typoError).toBeInstanceOf(InputError);
    expect((typoError as Error).message).toContain('did you mean Deployment?');
    const moved = parseObjects('apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: x}\n', 'old.yaml');
    const movedError = await applyObjects(client, moved, options).catch((e: unknown) => e);
    expect(movedError).toBeInstanceOf(InputError);
    expect((movedError as Error).message).toContain('it is served as apps/v1');
  });

  it('deletes and waits until the objects are gone', async () => {
    const outcomes = await deleteObjects(client, doc('3'), { namespace: 'default' });
    expect(outcomes.map((o) => o.action)).toEqual(['deleted']);
    expect(await client.get(doc('3')[0]!.object)).toBeUndefined();
    expect((await deleteObjects(client, doc('3'), { namespace: 'default' })).map((o) => o.action)).toEqual(['not found']);
  });
});
