// The Deployment that runs one version (subset) of the service. Pure.
import type { KubeObject } from '../adapters/kube.js';
import type { RolloutConfig } from './config.js';

export interface WorkloadInputs {
  service: string;
  namespace: string;
  subset: string;
  image: string;
  /** Labels the routing selects the service by, default { app: service }. */
  selector: Record<string, string>;
  /** The subset's own labels, e.g. { version: v2 }. */
  subsetLabels: Record<string, string>;
  port: number;
  replicas: number;
  workload: RolloutConfig['workload'];
}

export function deploymentName(service: string, subset: string): string {
  return `${service}-${subset}`.slice(0, 63).replace(/-+$/, '');
}

export function deploymentFor(inputs: WorkloadInputs): KubeObject {
  const labels = { ...inputs.selector, ...inputs.subsetLabels };
  const { workload, port } = inputs;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: deploymentName(inputs.service, inputs.subset),
      namespace: inputs.namespace,
      labels: { ...labels, 'app.kubernetes.io/managed-by': 'shipline' },
    },
    spec: {
      replicas: inputs.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          ...(workload.hostNetwork ? { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } : {}),
          terminationGracePeriodSeconds: workload.terminationGracePeriodSeconds,
          containers: [
            {
              name: inputs.service,
              image: inputs.image,
              ...(workload.command ? { command: workload.command.map((arg) => arg.replaceAll('{port}', String(port))) } : {}),
              ports: [{ name: 'http', containerPort: port }],
              readinessProbe: { tcpSocket: { port }, periodSeconds: 2 },
            },
          ],
        },
      },
    },
  };
}

/** With hostNetwork, versions share the node: the lowest port from `base` that none of the others uses. */
export function freePort(base: number, used: readonly number[]): number {
  let port = base;
  while (used.includes(port)) port++;
  return port;
}
