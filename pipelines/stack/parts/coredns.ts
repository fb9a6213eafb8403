// Cluster DNS: CoreDNS built from its Go module, outside the cluster, answering on the
// node's bridge address (every pod's nameserver) for the cluster's zones only. It
// forwards nothing: any other name gets REFUSED.
import { mkdirSync, writeFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../adapters/process.js';
import { daemonPart } from '../daemon-part.js';
import { buildGoTool } from '../install.js';
import { adminClient, componentKubeconfig } from '../kube-node.js';
import { host, network, paths, ports } from '../layout.js';
import { answers } from '../probe.js';

const dir = () => join(paths.state(), 'coredns');
const kubeconfig = () => join(dir(), 'kubeconfig');
const corefile = () => join(dir(), 'Corefile');
const user = 'shipline:coredns';

export function corefileText(kubeconfigPath: string): string {
  return [
    `cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {`,
    `    bind ${network.dnsIp}`,
    '    errors',
    `    health ${host}:${ports.corednsHealth}`,
    `    ready ${host}:${ports.corednsReady}`,
    `    prometheus ${host}:${ports.corednsMetrics}`,
    '    kubernetes cluster.local in-addr.arpa ip6.arpa {',
    `        kubeconfig ${kubeconfigPath} shipline-local`,
    '        pods insecure',
    '        ttl 5',
    '    }',
    '    loadbalance',
    '}',
    // Names outside the cluster: refused, never forwarded.
    `.:53 {`,
    `    bind ${network.dnsIp}`,
    '    acl {',
    '        block',
    '    }',
    '}',
    '',
  ].join('\n');
}

/** Read access to what the kubernetes plugin watches, and nothing more. */
async function ensureRbac(): Promise<void> {
  const client = adminClient();
  await client.apply(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: user },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    { fieldManager: 'shipline-stack', force: true },
  );
  await client.apply(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: user },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: user },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    },
    { fieldManager: 'shipline-stack', force: true },
  );
}

export const coredns = daemonPart({
  name: 'coredns',
  address: `${network.dnsIp}:53 (udp, tcp)`,
  ports: [ports.corednsHealth, ports.corednsReady, ports.corednsMetrics],
  async install() {
    if (!existsSync(paths.coredns())) await buildGoTool('coredns');
  },
  async prepare() {
    mkdirSync(dir(), { recursive: true });
    await componentKubeconfig(kubeconfig(), 'coredns', `/CN=${user}`);
    await ensureRbac();
    writeFileSync(corefile(), corefileText(kubeconfig()));
  },
  argv: () => [paths.coredns(), '-conf', corefile()],
  ready: () => answers(`http://${host}:${ports.corednsReady}/ready`),
  async version() {
    const out = (await run([paths.coredns(), '-version'], { timeoutMs: 10_000 })).stdout;
    return /CoreDNS-(\S+)/.exec(out)?.[1] ? `v${/CoreDNS-(\S+)/.exec(out)![1]}` : 'unknown';
  },
  startTimeoutMs: 60_000,
});
