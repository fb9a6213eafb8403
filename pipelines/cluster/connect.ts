// Connects to the configured cluster, refusing any kube context but the one the
// config names (cluster.context).
import { KubeClient, defaultKubeconfigPath } from '../adapters/kube.js';
import type { BuildConfig } from '../config/schema.js';
import { PreconditionError } from '../errors.js';

export interface ConnectOptions {
  kubeconfig?: string;
  context?: string;
}

export function connect(cluster: BuildConfig['cluster'], options: ConnectOptions = {}): KubeClient {
  const path = options.kubeconfig ?? cluster.kubeconfig ?? defaultKubeconfigPath();
  const client = KubeClient.load(path, options.context);
  const current = client.currentContext;
  if (cluster.context !== undefined && current !== cluster.context) {
    throw new PreconditionError(
      `kube context is ${JSON.stringify(current)} (${path}), but cluster.context allows only ${JSON.stringify(cluster.context)}`,
      { hint: `switch with \`kubectl config use-context ${cluster.context}\` or pass --context ${cluster.context}; shipline never touches another cluster` },
    );
  }
  return client;
}
