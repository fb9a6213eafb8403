// kubelet built from k8s.io/kubernetes: registers node `shipline-node` with the stack's
// API server and runs its pods through the stack's containerd on the pod network; its
// InternalIP is the pod bridge's address, where the API server reaches it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { KubeApiError } from '../../adapters/kube.js';
import { ExternalError } from '../../errors.js';
import { ensureServingCert, pkiPaths } from '../certs.js';
import { daemonPart } from '../daemon-part.js';
import { logFile, logTail, runningPid } from '../daemon.js';
import { adminClient, binaryVersion, componentKubeconfig, installKubeNode } from '../kube-node.js';
import { kubeletConfig } from '../kubelet-config.js';
import { host, network, nodeName, paths, ports } from '../layout.js';
import { restoreTunables, saveTunables, unmountUnder } from '../node-cleanup.js';
import type { Part, PartStatus } from '../part.js';
import { answers } from '../probe.js';
import { containerdSocket } from './containerd.js';

const binary = () => paths.kubeNodeTool('kubelet');
const dir = () => join(paths.state(), 'kubelet');
export const kubeletRootDir = () => join(dir(), 'root');
const configFile = () => join(dir(), 'config.yaml');
const kubeconfig = () => join(dir(), 'kubeconfig');
const tunablesFile = () => join(dir(), 'kernel-tunables.json');
const fieldManager = 'shipline-stack';

interface Node {
  status?: {
    addresses?: { type: string; address: string }[];
    conditions?: { type: string; status: string; reason?: string; message?: string; lastHeartbeatTime?: string }[];
  };
}

async function getNode(): Promise<Node | undefined> {
  try {
    return (await adminClient().request<Node>('GET', `/api/v1/nodes/${nodeName}`)).body;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  }
}

function readyCondition(node: Node | undefined) {
  return node?.status?.conditions?.find((c) => c.type === 'Ready');
}

/** RBAC-only authorization (no Node authorizer): bind the node role to the nodes group. */
async function ensureNodeRbac(): Promise<void> {
  await adminClient().apply(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'shipline:node' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:nodes' }],
    },
    { fieldManager, force: true },
  );
}

/**
 * Waits for Ready=True posted at or after `since` (ms): a node object outlives its
 * kubelet, and its last Ready=True stays until the controller-manager times it out.
 */
async function waitNodeReady(since: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let node: Node | undefined;
  for (;;) {
    node = await getNode().catch(() => undefined);
    const ready = readyCondition(node);
    // Heartbeats carry whole seconds.
    if (ready?.status === 'True' && Date.parse(ready.lastHeartbeatTime ?? '') >= since - 1000) return;
    if (Date.now() > deadline) break;
    await sleep(500);
  }
  const ready = readyCondition(node);
  throw new ExternalError(
    `kubelet: node ${nodeName} is not Ready after ${timeoutMs / 1000}s` +
      (ready ? ` (${ready.reason ?? ''}: ${ready.message ?? ''})` : ' (not registered)') +
      `; last lines of ${logFile('kubelet')}:\n${logTail('kubelet')}`,
  );
}

const daemon = daemonPart({
  name: 'kubelet',
  address: `https://${network.gateway}:${ports.kubelet}`,
  ports: [ports.kubeletHealthz],
  install: installKubeNode,
  async prepare() {
    const pki = pkiPaths(paths.pki());
    for (const sub of ['root', 'manifests', 'pod-logs']) mkdirSync(join(dir(), sub), { recursive: true });
    await componentKubeconfig(kubeconfig(), 'kubelet', `/O=system:nodes/CN=system:node:${nodeName}`);
    const serving = await ensureServingCert(
      pki, { cert: join(pki.dir, 'kubelet-serving.crt'), key: join(pki.dir, 'kubelet-serving.key') },
      `/O=system:nodes/CN=system:node:${nodeName}`, [`IP:${network.gateway}`, 'IP:127.0.0.1', `DNS:${nodeName}`],
    );
    const config = kubeletConfig({
      caCert: pki.caCert,
      servingCert: serving.cert,
      servingKey: serving.key,
      containerdSocket: containerdSocket(),
      staticPodPath: join(dir(), 'manifests'),
      podLogsDir: join(dir(), 'pod-logs'),
    });
    writeFileSync(configFile(), stringify(config));
    saveTunables(tunablesFile());
    await ensureNodeRbac();
  },
  argv: () => [
    binary(),
    `--config=${configFile()}`,
    `--kubeconfig=${kubeconfig()}`,
    `--hostname-override=${nodeName}`,
    `--node-ip=${network.gateway}`,
    `--root-dir=${kubeletRootDir()}`,
    `--cert-dir=${join(dir(), 'pki')}`,
    '--v=1',
  ],
  ready: () => answers(`http://${host}:${ports.kubeletHealthz}/healthz`),
  version: () => binaryVersion(binary()),
  startTimeoutMs: 120_000,
});

export const kubelet: Part = {
  ...daemon,
  async start() {
    const since = runningPid('kubelet') === undefined ? Date.now() : 0;
    // containerd lists its CRI plugin as ok a moment before the CRI server accepts calls;
    // a kubelet started in that moment exits at once ("server is not initialized yet").
    for (let attempt = 1; ; attempt++) {
      try {
        await daemon.start();
        break;
      } catch (error) {
        if (attempt >= 5 || !/not initialized yet/.test((error as Error).message)) throw error;
        await sleep(1000);
      }
    }
    await waitNodeReady(since, 180_000);
  },
  /**
   * Pods keep running in containerd until it stops; kubelet's own mounts go now, and
   * the kernel settings it rewrote at start (overcommit, panic on oops) are put back.
   */
  async stop() {
    await daemon.stop();
    await unmountUnder(kubeletRootDir());
    restoreTunables(tunablesFile());
  },
  async status(): Promise<PartStatus> {
    const status = await daemon.status();
    if (!status.up) return status;
    const ready = readyCondition(await getNode().catch(() => undefined));
    const up = ready?.status === 'True';
    return {
      ...status,
      address: `${status.address} node ${nodeName}`,
      up,
      note: up ? status.note : `node ${nodeName} ${ready ? `${ready.reason ?? 'not Ready'}: ${ready.message ?? ''}` : 'not registered'}`,
    };
  },
};
