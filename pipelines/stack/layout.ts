// Where the local stack keeps its tools and state, its pinned versions and its ports.
import { join } from 'node:path';
import { cacheDir, localStackKubeconfig } from '../local-stack-paths.js';

export const versions = {
  buildkit: 'v0.34.2',
  buildx: 'v0.38.2',
  kubernetes: 'v1.34.4',
  coredns: 'v1.15.0',
  traefik: 'v3.6.12',
  /** cosign, for the signed-bundle interop tests (not a part of the running stack). */
  cosign: 'v3.1.3',
  /** istioctl, the reference `shipline lint` is tested against (a pseudo-version of istio.io/istio). */
  istioctl: 'v0.0.0-20260827124520-eed52ebb66ad',
  /** kubeconform, for the lint benchmark only. */
  kubeconform: 'v0.8.0',
  /** syft, the SBOM scanner inside the stack's BuildKit scanner image. */
  syft: 'v1.57.2',
  /** Bumped whenever the scanner image's recipe (scripts/stack/sbom-scan.sh) changes. */
  sbomScanner: '1',
  /** Bumped whenever the base image recipe changes. */
  baseImage: 'musl-1',
  /** Tag of the pause image built from Kubernetes' own pause.c. */
  pause: '3.10',
} as const;

export const ports = {
  registry: 5000,
  buildkitd: 1234,
  etcdClient: 23790,
  etcdPeer: 23800,
  kubeApiserver: 6443,
  kubeControllerManager: 10257,
  kubeScheduler: 10259,
  kubelet: 10250,
  kubeletHealthz: 10248,
  prometheus: 9090,
  kubeProxyHealthz: 10256,
  kubeProxyMetrics: 10249,
  corednsHealth: 18053,
  corednsReady: 18153,
  corednsMetrics: 19153,
  /** The data plane: the Gateway listener's port is the entry point's. */
  traefikWeb: 18000,
  /** Traefik's own entry point: ping and Prometheus metrics. */
  traefikInternal: 18082,
} as const;

/** The data plane's GatewayClass and the Gateway every local route attaches to. */
export const dataPlane = {
  gatewayClass: 'traefik',
  controllerName: 'traefik.io/gateway-controller',
  gatewayNamespace: 'shipline-system',
  gateway: 'shipline',
  listener: 'web',
} as const;

/**
 * The pod network owns 198.19.0.0/16, a block of the benchmarking range (RFC 2544)
 * that no real network, VPN or container tool on a developer machine is likely to use
 * (Docker takes 172.17/16, kind and minikube 10.x, Tailscale 100.64/10). Whatever of
 * the block has no purpose below is an `unreachable` route, so nothing sent there
 * can follow the default route off the machine.
 */
export const network = {
  block: '198.19.0.0/16',
  bridge: 'shipline0',
  /** Pods: one address each from host-local IPAM; .1 is the bridge (the node). */
  podCidr: '198.19.0.0/24',
  gateway: '198.19.0.1',
  /** ClusterIPs; .1 is the `kubernetes` Service. */
  serviceCidr: '198.19.1.0/24',
  kubernetesServiceIp: '198.19.1.1',
  /** Cluster DNS answers on the node's address, which every pod routes to. */
  dnsIp: '198.19.0.1',
  nftTable: 'shipline',
} as const;

export const host = '127.0.0.1';
export const registryAddress = `${host}:${ports.registry}`;
export const builderName = 'shipline-local';
export const baseImageRepository = `${registryAddress}/shipline/base`;
export const baseImageRef = `${baseImageRepository}:${versions.baseImage}`;
export const dockerSocket = '/var/run/docker.sock';
export const pauseImageRef = `${registryAddress}/shipline/pause:${versions.pause}`;
/** BuildKit's SBOM generator for builds on the stack (`--sbom=generator=...`): syft in the base image. */
export const sbomScannerRef = `${registryAddress}/shipline/sbom-scanner:syft-${versions.syft}-${versions.sbomScanner}`;
export const nodeName = 'shipline-node';

export { cacheDir };

export const paths = {
  tools: () => join(cacheDir(), 'tools'),
  state: () => join(cacheDir(), 'stack'),
  logs: () => join(cacheDir(), 'stack', 'logs'),
  pids: () => join(cacheDir(), 'stack', 'pids'),
  kubeconfig: localStackKubeconfig,
  buildkitd: () => join(cacheDir(), 'tools', `buildkit-${versions.buildkit}`, 'buildkitd'),
  buildctl: () => join(cacheDir(), 'tools', `buildkit-${versions.buildkit}`, 'buildctl'),
  dockerBuildx: () => join(cacheDir(), 'tools', `buildx-${versions.buildx}`, 'docker-buildx'),
  kubeApiserver: () =>
    join(cacheDir(), 'tools', `kube-apiserver-${versions.kubernetes}`, 'kube-apiserver'),
  pki: () => join(cacheDir(), 'stack', 'pki'),
  cosign: () => join(cacheDir(), 'tools', `cosign-${versions.cosign}`, 'cosign'),
  syft: () => join(cacheDir(), 'tools', `syft-${versions.syft}`, 'syft'),
  coredns: () => join(cacheDir(), 'tools', `coredns-${versions.coredns}`, 'coredns'),
  traefik: () => join(cacheDir(), 'tools', `traefik-${versions.traefik}`, 'traefik'),
  kubeNodeTool: (name: 'kube-controller-manager' | 'kube-scheduler' | 'kubelet' | 'kube-proxy' | 'kubectl') =>
    join(cacheDir(), 'tools', `kube-node-${versions.kubernetes}`, name),
};
