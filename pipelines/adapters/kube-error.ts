// The error of a Kubernetes API reply, apart from the client (adapters/kube.ts) so that
// code which only recognises it (instanceof) does not load @kubernetes/client-node.
import { ExternalError } from '../errors.js';

export interface KubeStatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export class KubeApiError extends ExternalError {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    /** status.details.causes of the API's Status reply (field conflicts, invalid fields). */
    readonly causes: KubeStatusCause[] = [],
  ) {
    super(message);
  }
}

