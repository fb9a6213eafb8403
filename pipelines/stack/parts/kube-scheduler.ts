// kube-scheduler built from k8s.io/kubernetes: binds the stack's pods to its one node.
import { join } from 'node:path';
import { daemonPart } from '../daemon-part.js';
import { binaryVersion, componentKubeconfig, installKubeNode } from '../kube-node.js';
import { host, paths, ports } from '../layout.js';
import { answers } from '../probe.js';

const binary = () => paths.kubeNodeTool('kube-scheduler');
const kubeconfig = () => join(paths.state(), 'kube-scheduler', 'kubeconfig');
const address = `https://${host}:${ports.kubeScheduler}`;

export const kubeScheduler = daemonPart({
  name: 'kube-scheduler',
  address,
  ports: [ports.kubeScheduler],
  install: installKubeNode,
  async prepare() {
    await componentKubeconfig(kubeconfig(), 'kube-scheduler', '/CN=system:kube-scheduler');
  },
  argv: () => [
    binary(),
    `--kubeconfig=${kubeconfig()}`,
    `--bind-address=${host}`,
    `--secure-port=${ports.kubeScheduler}`,
    '--leader-elect=false',
    '--v=1',
  ],
  ready: () => answers(`${address}/healthz`, { rejectUnauthorized: false }),
  version: () => binaryVersion(binary()),
  startTimeoutMs: 120_000,
});
