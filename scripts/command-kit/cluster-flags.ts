// `--kubeconfig`, `--context` and `-n/--namespace`, the same on every command that talks to
// a cluster, as kubectl spells them. Which kubeconfig wins: --kubeconfig, then the
// config's cluster.kubeconfig, then KUBECONFIG (merged as kubectl merges it), then
// ~/.kube/config, then the local stack's (pipelines/cluster/kubeconfig.ts).
import type { Command } from 'commander';

export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/**
 * `namespace` says what -n means for this command (kubectl's: where objects that name none
 * go); false for a command that reads no namespace (version).
 */
export function withClusterFlags(command: Command, namespace: string | false = 'namespace for objects that name none (default: cluster.namespace)'): Command {
  command
    .option('--kubeconfig <file>', 'kubeconfig (default: cluster.kubeconfig, KUBECONFIG, ~/.kube/config, else the local stack)')
    .option('--context <name>', 'kube context (default: the kubeconfig\'s current one; must match cluster.context when the config names one)');
  return namespace === false ? command : command.option('-n, --namespace <ns>', namespace);
}

export { withNamespace } from '../../pipelines/cluster/namespace-flag.js';
