// A Kubernetes object as shipline reads, renders and applies it: the fields every object
// has, the rest left to the typed views of each kind.
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}
