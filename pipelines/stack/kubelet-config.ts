// The KubeletConfiguration of the stack's one node: its API on the pod bridge's address
// with a certificate of the stack CA, cluster DNS, cgroupfs on cgroup v1, no systemd,
// and eviction thresholds that a busy developer disk does not trip.
import { host, network, ports } from './layout.js';

export interface KubeletPaths {
  caCert: string;
  servingCert: string;
  servingKey: string;
  containerdSocket: string;
  staticPodPath: string;
  podLogsDir: string;
}

export function kubeletConfig(p: KubeletPaths): Record<string, unknown> {
  const runtime = `unix://${p.containerdSocket}`;
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // The API server reaches the kubelet at the node's InternalIP, the bridge address.
    address: network.gateway,
    port: ports.kubelet,
    tlsCertFile: p.servingCert,
    tlsPrivateKeyFile: p.servingKey,
    readOnlyPort: 0,
    healthzBindAddress: host,
    healthzPort: ports.kubeletHealthz,
    // Only holders of a stack-CA client certificate reach the kubelet API.
    // Webhook authn/authz would need TokenReview/SubjectAccessReview rights the node
    // identity does not have under RBAC-only authorization.
    authentication: { anonymous: { enabled: false }, webhook: { enabled: false }, x509: { clientCAFile: p.caCert } },
    authorization: { mode: 'AlwaysAllow' },
    containerRuntimeEndpoint: runtime,
    imageServiceEndpoint: runtime,
    staticPodPath: p.staticPodPath,
    podLogsDir: p.podLogsDir,
    // No systemd here: the cgroupfs driver writes /sys/fs/cgroup directly. The machine is
    // on cgroup v1, which kubelet 1.31+ refuses unless failCgroupV1 is false.
    cgroupDriver: 'cgroupfs',
    failCgroupV1: false,
    failSwapOn: false,
    // Pods go under /kubepods (per-QoS groups) so that `down` can remove one tree; only
    // pods are enforced, since there are no systemd slices to reserve for.
    cgroupsPerQOS: true,
    cgroupRoot: '/',
    enforceNodeAllocatable: ['pods'],
    // Disk thresholds at 0 %: a full laptop disk must not evict the pods under test.
    evictionHard: {
      'memory.available': '100Mi',
      'nodefs.available': '0%',
      'nodefs.inodesFree': '0%',
      'imagefs.available': '0%',
      'imagefs.inodesFree': '0%',
    },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    clusterDomain: 'cluster.local',
    clusterDNS: [network.dnsIp],
    // Pods resolve through cluster DNS alone: no search domains or servers of the machine.
    resolvConf: '',
    registerNode: true,
    // No iptables chains of kubelet's own (KUBE-FIREWALL, canaries): kube-proxy runs in
    // nftables mode, and `down` must leave the machine's iptables as it found them.
    makeIPTablesUtilChains: false,
    serializeImagePulls: false,
    maxPods: 110,
  };
}
