// Connects to the cluster the flags and config name (pipelines/cluster/kubeconfig.ts for
// which kubeconfig and context), refusing any kube context but the one the config names
// (cluster.context).
import { delimiter } from 'node:path';
import { KubeClient } from '../adapters/kube.js';
import type { BuildConfig } from '../config/schema.js';
import { PreconditionError } from '../errors.js';
import { chooseKubeconfig, readKubeconfig, selectContext } from './kubeconfig.js';

export interface ConnectOptions {
  kubeconfig?: string;
  context?: string;
}

/** The client of the kubeconfig and context the flags (else KUBECONFIG, ~/.kube/config, the local stack) name. */
export function connectTo(options: ConnectOptions, configKubeconfig?: string): KubeClient {
  const choice = chooseKubeconfig({ kubeconfig: options.kubeconfig, configKubeconfig });
  const config = readKubeconfig(choice);
  selectContext(config, choice, options.context);
  return KubeClient.fromConfig(config, choice.files.join(delimiter));
}

export function connect(cluster: BuildConfig['cluster'], options: ConnectOptions = {}): KubeClient {
  const client = connectTo(options, cluster.kubeconfig);
  const current = client.currentContext;
  if (cluster.context !== undefined && current !== cluster.context) {
    throw new PreconditionError(
      `kube context is ${JSON.stringify(current)} (${client.kubeconfigPath}), but cluster.context allows only ${JSON.stringify(cluster.context)}`,
      { hint: `switch with \`kubectl config use-context ${cluster.context}\` or pass --context ${cluster.context}; shipline never touches another cluster` },
    );
  }
  return client;
}
