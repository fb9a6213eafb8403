// kube-controller-manager built from k8s.io/kubernetes: the controllers that turn a
// Deployment into ReplicaSets and Pods and report it Available.
import { join } from 'node:path';
import { pkiPaths } from '../certs.js';
import { daemonPart } from '../daemon-part.js';
import { binaryVersion, componentKubeconfig, installKubeNode } from '../kube-node.js';
import { host, paths, ports } from '../layout.js';
import { answers } from '../probe.js';

const binary = () => paths.kubeNodeTool('kube-controller-manager');
const kubeconfig = () => join(paths.state(), 'kube-controller-manager', 'kubeconfig');
const address = `https://${host}:${ports.kubeControllerManager}`;

export const kubeControllerManager = daemonPart({
  name: 'kube-controller-manager',
  address,
  ports: [ports.kubeControllerManager],
  install: installKubeNode,
  async prepare() {
    await componentKubeconfig(kubeconfig(), 'kube-controller-manager', '/CN=system:kube-controller-manager');
  },
  argv() {
    const pki = pkiPaths(paths.pki());
    return [
      binary(),
      `--kubeconfig=${kubeconfig()}`,
      `--bind-address=${host}`,
      `--secure-port=${ports.kubeControllerManager}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.caCert}`,
      `--cluster-signing-cert-file=${pki.caCert}`,
      `--cluster-signing-key-file=${pki.caKey}`,
      '--use-service-account-credentials=true',
      '--controllers=*,bootstrapsigner,tokencleaner',
      // One controller-manager per stack: nothing to elect, and no lease churn in etcd.
      '--leader-elect=false',
      '--allocate-node-cidrs=false',
      '--cluster-name=shipline',
      '--v=1',
    ];
  },
  // /healthz is in --authorization-always-allow-paths, so the probe needs no credentials.
  ready: () => answers(`${address}/healthz`, { rejectUnauthorized: false }),
  version: () => binaryVersion(binary()),
  startTimeoutMs: 120_000,
});
