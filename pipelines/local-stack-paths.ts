// Where the local stack keeps its state, for the few places below the stack that need it
// (the kubeconfig fallback): the stack's own layout (pipelines/stack/layout.ts) builds on it.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheDir(): string {
  return process.env.SHIPLINE_CACHE ?? join(homedir(), '.cache', 'shipline');
}

/** The kubeconfig the local stack writes for its own cluster. */
export function localStackKubeconfig(): string {
  return join(cacheDir(), 'stack', 'kubeconfig');
}
