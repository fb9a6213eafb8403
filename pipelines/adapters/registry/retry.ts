// Retry policy of the registry client: the HTTP door's (pipelines/adapters/http/policy.ts).
export { backoffDelay, withRetry, type RetryPolicy } from '../retry.js';
import { retryPolicies } from '../http/policy.js';

export const defaultRetry = retryPolicies.registry;
