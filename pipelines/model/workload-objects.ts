// Typed views of the workload objects shipline reads and derives versions from: a
// Deployment (its selector and pod template) and the Service in front of it.
import type { KubeObject } from './kube-object.js';

export interface Container {
  name: string;
  image?: unknown;
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path?: string; port?: number | string }; [key: string]: unknown };
  [key: string]: unknown;
}

export interface DeploymentObject extends KubeObject {
  spec: {
    replicas?: number;
    selector: { matchLabels?: Record<string, string>; matchExpressions?: LabelExpression[] };
    template: { metadata?: { labels?: Record<string, string>; [key: string]: unknown }; spec: { containers: Container[]; [key: string]: unknown } };
    [key: string]: unknown;
  };
}

export interface LabelExpression {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** A Service as shipline reads it: which pods it selects and which ports it serves. */
export interface ServiceObject {
  metadata: { name: string };
  spec?: { selector?: Record<string, string>; ports?: { name?: string; port: number; targetPort?: number | string }[] };
}
