// The one HTTP door: every HTTP client of shipline (Kubernetes, registries, Prometheus,
// the gates' and the stack's probes, the Docker Engine's agent) connects through here.
// undici (dispatchers.ts) is loaded by send() when a request needs it, not by this index.
export { dockerEngineAgent, nodeAgentFor } from './node-agents.js';
export type { ConnectionOptions, TlsOptions } from './connection-key.js';
export {
  connectTimeoutMs,
  idempotent,
  loopback,
  mayProxy,
  RequestTimeoutError,
  requestTimeoutMs,
  retried,
  retryable,
  retryPolicies,
  TransientError,
  transientStatus,
  withRetry,
  type RetryPolicy,
} from './policy.js';
export { send, type Headers, type HttpRequest, type HttpResponse } from './request.js';
export { bodyStream, sendPlain, upload, type BatchedBody, type UploadBody } from './upload.js';
