// The stack's one-node cluster: a Deployment on the musl base image becomes Available on
// the pod network, serves at its pod address, and scales to zero leaving no pod behind.
import { randomBytes } from 'node:crypto';
import { until } from '../support/until.js';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../pipelines/adapters/kube.js';
import { baseImageRef, network, nodeName, paths } from '../../pipelines/stack/layout.js';
import { httpGet } from '../../pipelines/stack/probe.js';

const kube = KubeClient.load(paths.kubeconfig());
const fieldManager = 'shipline-kube-node-test';
const namespace = `kube-node-${randomBytes(4).toString('hex')}`;
const labels = { app: 'httpd', test: namespace };

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
type Deployment = KubeObject & { status?: { conditions?: Condition[]; availableReplicas?: number } };
interface PodList {
  items: { metadata: { name: string }; spec: { nodeName?: string }; status: { podIP?: string; phase?: string } }[];
}


function deployment(port: number, replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'httpd', namespace },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'httpd',
              image: baseImageRef,
              command: ['sh', '-c', `mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p ${port} -h /www`],
              ports: [{ containerPort: port }],
              readinessProbe: { httpGet: { path: '/', port }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  };
}


async function pods(): Promise<PodList['items']> {
  const selector = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
  const res = await kube.request<PodList>('GET', `/api/v1/namespaces/${namespace}/pods`, { query: { labelSelector: selector } });
  return res.body.items;
}

async function events(): Promise<string> {
  const res = await kube.request<{ items: { reason: string; message: string }[] }>('GET', `/api/v1/namespaces/${namespace}/events`);
  return res.body.items.map((e) => `${e.reason}: ${e.message}`).join('\n');
}

afterAll(async () => {
  await kube.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await until('namespace deleted', 120_000, async () =>
    (await kube.get({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } })) ? undefined : true,
    () => `namespace ${namespace} still exists`);
});

describe('the local cluster runs Deployments', () => {
  it(`has node ${nodeName} Ready`, async () => {
    const node = await kube.get<KubeObject & { status: { conditions: Condition[]; addresses: { type: string; address: string }[] } }>(
      { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName } },
    );
    expect(node?.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node?.status.addresses).toContainEqual({ type: 'InternalIP', address: network.gateway });
  });

  it('makes a Deployment Available on the pod network, serves at its pod address, and scales it to zero', async () => {
    const port = 8080;
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, { fieldManager });
    await kube.apply(deployment(port, 1), { fieldManager });

    let live: Deployment | undefined;
    await until('Deployment Available', 180_000, async () => {
      live = await kube.get<Deployment>(deployment(port, 1));
      return live?.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ? true : undefined;
    }, async () => `conditions ${JSON.stringify(live?.status?.conditions)}; events:\n${await events()}`);
    expect(live?.status?.availableReplicas).toBe(1);

    const [pod, ...others] = await pods();
    expect(others).toHaveLength(0);
    expect(pod?.spec.nodeName).toBe(nodeName);
    expect(pod?.status.podIP).toMatch(/^198\.19\.0\.\d+$/);
    expect(pod?.status.podIP).not.toBe(network.gateway);

    const res = await httpGet(`http://${pod!.status.podIP}:${port}/`);
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok\n');

    await kube.apply(deployment(port, 0), { fieldManager });
    await until('pods gone after scaling to 0', 120_000, async () => ((await pods()).length === 0 ? true : undefined),
      () => 'pods still listed');
    await expect(httpGet(`http://${pod!.status.podIP}:${port}/`, {}, 1000)).rejects.toThrow();

    expect(await kube.delete(deployment(port, 0))).toBe(true);
    await until('Deployment deleted', 60_000, async () => ((await kube.get(deployment(port, 0))) ? undefined : true),
      () => 'Deployment still exists');
  });
});
