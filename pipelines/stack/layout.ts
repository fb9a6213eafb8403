// Where the local stack keeps its tools and state, its pinned versions and its ports.
import { homedir } from 'node:os';
import { join } from 'node:path';

export const versions = {
  buildkit: 'v0.34.2',
  buildx: 'v0.38.2',
  kubernetes: 'v1.34.4',
  /** istioctl, the reference `shipline lint` is tested against (a pseudo-version of istio.io/istio). */
  istioctl: 'v0.0.0-20260827124520-eed52ebb66ad',
  /** kubeconform, for the lint benchmark only. */
  kubeconform: 'v0.8.0',
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
} as const;

export const host = '127.0.0.1';
export const registryAddress = `${host}:${ports.registry}`;
export const builderName = 'shipline-local';
export const baseImageRepository = `${registryAddress}/shipline/base`;
export const baseImageRef = `${baseImageRepository}:${versions.baseImage}`;
export const dockerSocket = '/var/run/docker.sock';
export const pauseImageRef = `${registryAddress}/shipline/pause:${versions.pause}`;
export const nodeName = 'shipline-node';

export function cacheDir(): string {
  return process.env.SHIPLINE_CACHE ?? join(homedir(), '.cache', 'shipline');
}

export const paths = {
  tools: () => join(cacheDir(), 'tools'),
  state: () => join(cacheDir(), 'stack'),
  logs: () => join(cacheDir(), 'stack', 'logs'),
  pids: () => join(cacheDir(), 'stack', 'pids'),
  kubeconfig: () => join(cacheDir(), 'stack', 'kubeconfig'),
  buildkitd: () => join(cacheDir(), 'tools', `buildkit-${versions.buildkit}`, 'buildkitd'),
  buildctl: () => join(cacheDir(), 'tools', `buildkit-${versions.buildkit}`, 'buildctl'),
  dockerBuildx: () => join(cacheDir(), 'tools', `buildx-${versions.buildx}`, 'docker-buildx'),
  kubeApiserver: () =>
    join(cacheDir(), 'tools', `kube-apiserver-${versions.kubernetes}`, 'kube-apiserver'),
  pki: () => join(cacheDir(), 'stack', 'pki'),
  kubeNodeTool: (name: 'kube-controller-manager' | 'kube-scheduler' | 'kubelet') =>
    join(cacheDir(), 'tools', `kube-node-${versions.kubernetes}`, name),
};
