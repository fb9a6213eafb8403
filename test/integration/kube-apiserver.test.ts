// The stack's real kube-apiserver: discovery, a CRD, and a custom resource that is
// server-side applied and read back.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeApiError, KubeClient, type KubeObject } from '../../pipelines/adapters/kube.js';
import { paths } from '../../pipelines/stack/layout.js';

const kube = KubeClient.load(paths.kubeconfig());
const suffix = randomBytes(4).toString('hex');
const group = `smoke${suffix}.shipline.dev`;
const crd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string' } } },
            },
          },
        },
      },
    ],
  },
};

async function waitEstablished(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const live = await kube.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(crd);
    if (live?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) {
      if ((await kube.servedGroupVersions()).includes(`${group}/v1`)) return;
    }
    await sleep(100);
  }
  throw new Error(`CRD ${crd.metadata.name} never became established`);
}

afterAll(async () => {
  await kube.delete(crd);
});

describe('kube-apiserver of the local stack', () => {
  it('serves discovery that lists apps/v1', async () => {
    const versions = await kube.servedGroupVersions();
    expect(versions).toContain('v1');
    expect(versions).toContain('apps/v1');
    expect(versions).toContain('apiextensions.k8s.io/v1');
  });

  it('creates a CRD and server-side applies a custom resource that reads back', async () => {
    await kube.apply(crd, { fieldManager: 'shipline-smoke' });
    await waitEstablished();
    const widget: KubeObject = {
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'w1', namespace: 'default' },
      spec: { size: 3, color: 'blue' },
    };
    const applied = await kube.apply(widget, { fieldManager: 'shipline-smoke' });
    expect(applied.metadata.uid).toBeTruthy();
    const live = await kube.get<KubeObject & { spec: { size: number; color: string } }>(widget);
    expect(live?.spec).toEqual({ size: 3, color: 'blue' });
    const managers = (live?.metadata.managedFields as { manager: string; operation: string }[]).map((f) => [f.manager, f.operation]);
    expect(managers).toContainEqual(['shipline-smoke', 'Apply']);
  });

  it('rejects unknown fields under fieldValidation=Strict', async () => {
    const bad: KubeObject = {
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'w2', namespace: 'default' },
      spec: { size: 1, colour: 'red' },
    };
    const error = await kube.apply(bad, { fieldManager: 'shipline-smoke' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).message).toMatch(/spec\.colour(: field not declared in schema|" unknown field)/);
  });
});

describe('the Kubernetes client on kept-alive connections', () => {
  it('sends a DELETE body with its length, so the next request on the connection is not corrupted', async () => {
    const name = `keepalive-${suffix}`;
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { a: '1' } };
    for (let i = 0; i < 5; i++) {
      await kube.apply(cm, { fieldManager: 'shipline-smoke' });
      await kube.request('DELETE', `/api/v1/namespaces/default/configmaps/${name}`, {
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' },
      });
      const list = await kube.request<{ items: unknown[] }>('GET', '/api/v1/namespaces/default/configmaps', { query: { labelSelector: 'none=none' } });
      expect(list.body.items).toEqual([]);
    }
  });
});
