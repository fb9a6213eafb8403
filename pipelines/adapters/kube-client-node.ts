// client-node's KubeConfig alone, imported on demand (kube-credentials.ts): a dynamic import
// of the package itself would bundle all of it (14 MB) instead of what KubeConfig uses.
export { KubeConfig } from '@kubernetes/client-node';
