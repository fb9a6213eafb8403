// The local cluster's pod network, on the real node: pods with their own addresses,
// Services with endpoints from readiness, ClusterIPs through kube-proxy, cluster DNS,
// logs/exec/port-forward through the kubelet, and nothing that leaves the machine.
import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { connect } from 'node:net';
import { until } from '../support/until.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, type KubeObject } from '../../pipelines/adapters/kube.js';
import { run } from '../../pipelines/adapters/process.js';
import { baseImageRef, network, nodeName, paths } from '../../pipelines/stack/layout.js';
import { httpGet } from '../../pipelines/stack/probe.js';
import { freePort } from '../../scripts/bench/fixtures/free-port.js';

const kube = KubeClient.load(paths.kubeconfig());
const fieldManager = 'shipline-pod-network-test';
const namespace = `podnet-${randomBytes(4).toString('hex')}`;

interface Pod {
  metadata: { name: string; labels?: Record<string, string> };
  status: { podIP?: string; phase?: string; conditions?: { type: string; status: string }[] };
}
interface EndpointSlice {
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean }; targetRef?: { name: string } }[];
}

function kubectl(args: string[], timeoutMs = 60_000) {
  return run([paths.kubeNodeTool('kubectl'), `--kubeconfig=${paths.kubeconfig()}`, '-n', namespace, ...args], {
    timeoutMs,
    nothrow: true,
  });
}


async function pods(selector: string): Promise<Pod[]> {
  const res = await kube.request<{ items: Pod[] }>('GET', `/api/v1/namespaces/${namespace}/pods`, { query: { labelSelector: selector } });
  return res.body.items;
}

const isReady = (pod: Pod) => pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

async function events(): Promise<string> {
  const res = await kube.request<{ items: { reason: string; message: string }[] }>('GET', `/api/v1/namespaces/${namespace}/events`);
  return res.body.items.map((e) => `${e.reason}: ${e.message}`).join('\n');
}

/** busybox httpd on 8080 answering its pod name; /ready exists until removed. */
function server(name: string, replicas: number): KubeObject {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{
            name: 'httpd',
            image: baseImageRef,
            command: ['sh', '-c',
              'mkdir -p /www && echo "hello from $HOSTNAME" > /www/index.html && echo ok > /www/ready && ' +
              'echo "serving as $HOSTNAME" && exec httpd -f -p 8080 -h /www'],
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
          }],
        },
      },
    },
  };
}

function service(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  };
}

const client: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'client', namespace, labels: { app: 'client' } },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'sh', image: baseImageRef, command: ['sh', '-c', 'echo client started; exec sleep 3600'] }],
  },
};

/** How a TCP connect from the host to addr:port ends, and how long it took. */
function connectOutcome(host: string, port: number): Promise<{ code: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 5000 });
    const done = (code: string) => {
      socket.destroy();
      resolve({ code, ms: Date.now() - started });
    };
    socket.once('connect', () => done('connected'));
    socket.once('timeout', () => done('timeout'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

beforeAll(async () => {
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, { fieldManager });
  for (const object of [server('echo', 1), service('echo'), server('pair', 2), service('pair'), client]) {
    await kube.apply(object, { fieldManager });
  }
  await until('echo, pair and client pods Ready', 180_000, async () => {
    const all = await pods('app in (echo,pair,client)');
    return all.length === 4 && all.every(isReady) ? all : undefined;
  }, async () => `pods: ${JSON.stringify((await pods('app')).map((p) => [p.metadata.name, p.status.phase]))}; events:\n${await events()}`);
}, 240_000);

afterAll(async () => {
  await kube.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
});

describe('the pod network', () => {
  it(`gives node ${nodeName} the bridge address as its InternalIP`, async () => {
    const node = await kube.get<KubeObject & { status: { addresses: { type: string; address: string }[] } }>(
      { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName } },
    );
    expect(node?.status.addresses).toContainEqual({ type: 'InternalIP', address: network.gateway });
  });

  it('gives every pod its own address in the pod range', async () => {
    const all = await pods('app in (echo,pair,client)');
    const ips = all.map((p) => p.status.podIP ?? '');
    expect(new Set(ips).size).toBe(4);
    for (const ip of ips) expect(ip).toMatch(/^198\.19\.0\.\d+$/);
    expect(ips).not.toContain(network.gateway);
  });

  it('lets two pods on different addresses talk by Service name through cluster DNS', async () => {
    const [echo] = await pods('app=echo');
    const out = await kubectl(['exec', 'client', '--', 'wget', '-q', '-O', '-', `http://echo.${namespace}.svc.cluster.local/`]);
    expect(out.stderr).toBe('');
    expect(out.stdout.trim()).toBe(`hello from ${echo?.metadata.name}`);
    // The short name resolves through the pod's search path.
    const short = await kubectl(['exec', 'client', '--', 'wget', '-q', '-O', '-', 'http://echo/']);
    expect(short.stdout.trim()).toBe(`hello from ${echo?.metadata.name}`);
  });

  it('answers a ClusterIP from the host through kube-proxy', async () => {
    const svc = await kube.get<KubeObject & { spec: { clusterIP: string } }>(service('echo'));
    expect(svc?.spec.clusterIP).toMatch(/^198\.19\.1\.\d+$/);
    const [echo] = await pods('app=echo');
    const res = await until('ClusterIP answering', 30_000, async () => {
      const r = await httpGet(`http://${svc?.spec.clusterIP}/`, {}, 2000);
      return r.status === 200 ? r : undefined;
    }, async () => 'no answer');
    expect(res.body.trim()).toBe(`hello from ${echo?.metadata.name}`);
  });

  it('answers for the cluster zones only and forwards nothing', async () => {
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([network.dnsIp]);
    const svc = await kube.get<KubeObject & { spec: { clusterIP: string } }>(service('echo'));
    expect(await resolver.resolve4(`echo.${namespace}.svc.cluster.local`)).toEqual([svc?.spec.clusterIP]);
    await expect(resolver.resolve4('example.com')).rejects.toMatchObject({ code: 'EREFUSED' });
  });

  it("lists exactly a Service's ready pods in its EndpointSlice and drops one whose readiness probe fails", async () => {
    const readyAddresses = async () => {
      const res = await kube.request<{ items: EndpointSlice[] }>('GET', `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`, {
        query: { labelSelector: 'kubernetes.io/service-name=pair' },
      });
      return res.body.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready).flatMap((e) => e.addresses).sort();
    };
    const [first, second] = await pods('app=pair');
    expect(await readyAddresses()).toEqual([first?.status.podIP, second?.status.podIP].sort());

    const rm = await kubectl(['exec', first!.metadata.name, '--', 'rm', '/www/ready']);
    expect(rm.exitCode).toBe(0);
    const left = await until('the unready pod dropped from the ready endpoints', 30_000, async () => {
      const now = await readyAddresses();
      return now.length === 1 ? now : undefined;
    }, async () => `ready endpoints ${JSON.stringify(await readyAddresses())}`);
    expect(left).toEqual([second?.status.podIP]);
    const pairPods = await pods('app=pair');
    expect(pairPods.filter(isReady).map((p) => p.status.podIP)).toEqual(left);
  });

  it('serves kubectl logs, exec and port-forward through the kubelet', async () => {
    const [echo] = await pods('app=echo');
    const logs = await kubectl(['logs', echo!.metadata.name]);
    expect(logs.exitCode).toBe(0);
    expect(logs.stdout).toContain(`serving as ${echo?.metadata.name}`);

    const exec = await kubectl(['exec', echo!.metadata.name, '--', 'cat', '/www/index.html']);
    expect(exec.stdout.trim()).toBe(`hello from ${echo?.metadata.name}`);

    const port = await freePort();
    const forward = run([paths.kubeNodeTool('kubectl'), `--kubeconfig=${paths.kubeconfig()}`, '-n', namespace,
      'port-forward', `pod/${echo!.metadata.name}`, '--address=127.0.0.1', `${port}:8080`], { timeoutMs: 20_000, nothrow: true });
    const res = await until('port-forward answering', 15_000, async () => {
      const r = await httpGet(`http://127.0.0.1:${port}/`, {}, 2000);
      return r.status === 200 ? r : undefined;
    }, async () => 'kubectl port-forward not answering');
    expect(res.body.trim()).toBe(`hello from ${echo?.metadata.name}`);
    await forward.catch(() => undefined);
  }, 60_000);
});

describe('nothing of the pod network leaves the machine', () => {
  it('fails at once for unused addresses of the pod range, the service range and the rest of the block', async () => {
    for (const address of ['198.19.0.250', '198.19.1.250', '198.19.7.7']) {
      const outcome = await connectOutcome(address, 80);
      expect({ address, code: outcome.code }).toEqual({ address, code: 'EHOSTUNREACH' });
      expect(outcome.ms).toBeLessThan(1500);
    }
  });

  it("gives pods no route off the machine, and drops (counting) anything forwarded from the bridge elsewhere", async () => {
    const routes = await kubectl(['exec', 'client', '--', 'ip', 'route']);
    expect(routes.stdout).not.toMatch(/default/);
    expect(routes.stdout).toContain(`${network.block} via ${network.gateway}`);
    // 203.0.113.1 (TEST-NET-3): the pod's own route lookup fails, so nothing is sent.
    const lookup = await kubectl(['exec', 'client', '--', 'ip', 'route', 'get', '203.0.113.1']);
    expect(lookup.exitCode).not.toBe(0);
    expect(lookup.stderr).toMatch(/Network is unreachable/);
    const connect = await kubectl(['exec', 'client', '--', 'nc', '-w', '2', '203.0.113.1', '80']);
    expect(connect.exitCode).not.toBe(0);
    expect(connect.stderr).toMatch(/Network is unreachable/);

    const table = await run(['nft', 'list', 'table', 'inet', network.nftTable]);
    expect(table.stdout).toMatch(new RegExp(`iifname "${network.bridge}" counter packets \\d+ bytes \\d+ drop comment "pod-to-outside"`));
    expect(table.stdout).toMatch(new RegExp(`oifname "${network.bridge}" counter packets \\d+ bytes \\d+ drop comment "outside-to-pod"`));
    expect(table.stdout).not.toMatch(/masquerade/);
  });
});
