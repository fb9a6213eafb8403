// kube-proxy built from k8s.io/kubernetes, in nftables mode: ClusterIPs of the stack's
// Services answer from the host and from pods. Its rules live in nftables tables of
// its own (`ip kube-proxy`), which `down` deletes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { run } from '../../adapters/process.js';
import { daemonPart } from '../daemon-part.js';
import { binaryVersion, componentKubeconfig, installKubeNode } from '../kube-node.js';
import { host, network, nodeName, paths, ports } from '../layout.js';
import type { Part } from '../part.js';
import { answers } from '../probe.js';

const binary = () => paths.kubeNodeTool('kube-proxy');
const dir = () => join(paths.state(), 'kube-proxy');
const kubeconfig = () => join(dir(), 'kubeconfig');
const configFile = () => join(dir(), 'config.yaml');
const healthz = `http://${host}:${ports.kubeProxyHealthz}/healthz`;

export function kubeProxyConfig(kubeconfigPath: string): Record<string, unknown> {
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig: kubeconfigPath },
    hostnameOverride: nodeName,
    mode: 'nftables',
    clusterCIDR: network.podCidr,
    detectLocalMode: 'ClusterCIDR',
    healthzBindAddress: `${host}:${ports.kubeProxyHealthz}`,
    metricsBindAddress: `${host}:${ports.kubeProxyMetrics}`,
    // NodePorts on the bridge address only: nothing opens on the machine's real interfaces.
    nodePortAddresses: [`${network.gateway}/32`],
    // Every ClusterIP connection is masqueraded to the bridge address, so replies come
    // back through the host whatever bridge-netfilter is set to (hairpin included).
    nftables: { masqueradeAll: true, syncPeriod: '30s', minSyncPeriod: '0s' },
    // Leave the machine's conntrack settings as they are.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  };
}

const daemon = daemonPart({
  name: 'kube-proxy',
  address: `${network.serviceCidr} healthz ${healthz}`,
  ports: [ports.kubeProxyHealthz, ports.kubeProxyMetrics],
  debianPackages: ['nftables'],
  install: installKubeNode,
  async prepare() {
    mkdirSync(dir(), { recursive: true });
    await componentKubeconfig(kubeconfig(), 'kube-proxy', '/CN=system:kube-proxy');
    writeFileSync(configFile(), stringify(kubeProxyConfig(kubeconfig())));
  },
  argv: () => [binary(), `--config=${configFile()}`, '--v=1'],
  ready: () => answers(healthz),
  version: () => binaryVersion(binary()),
  startTimeoutMs: 60_000,
});

export const kubeProxy: Part = {
  ...daemon,
  async stop() {
    await daemon.stop();
    for (const family of ['ip', 'ip6']) {
      await run(['nft', 'delete', 'table', family, 'kube-proxy'], { nothrow: true });
    }
  },
};
