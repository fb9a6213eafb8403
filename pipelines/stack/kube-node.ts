// What the node-side Kubernetes parts share: the binaries built from k8s.io/kubernetes,
// client certificates from the stack CA, and kubeconfigs that carry them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { KubeClient } from '../adapters/kube.js';
import { run } from '../adapters/process.js';
import { ensureClientCert, pkiPaths } from './certs.js';
import { buildGoTool } from './install.js';
import { paths } from './layout.js';
import { apiserverUrl } from './parts/kube-apiserver.js';

const tools = ['kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy', 'kubectl'] as const;

/** Builds controller-manager, scheduler, kubelet, kube-proxy and kubectl (one wrapper module) when any is missing. */
export async function installKubeNode(): Promise<void> {
  if (tools.some((tool) => !existsSync(paths.kubeNodeTool(tool)))) await buildGoTool('kube-node');
}

/** "v1.34.4" from `<binary> --version` ("Kubernetes v1.34.4"). */
export async function binaryVersion(binary: string): Promise<string> {
  const out = (await run([binary, '--version'], { timeoutMs: 10_000 })).stdout;
  return /(v\d+\.\d+\.\d+\S*)/.exec(out)?.[1] ?? 'unknown';
}

/**
 * Writes a kubeconfig for one component, authenticated by a client certificate whose
 * subject names the user (CN) and groups (O) the API server's RBAC sees.
 */
export async function componentKubeconfig(file: string, certName: string, subject: string): Promise<void> {
  const pki = pkiPaths(paths.pki());
  const client = await ensureClientCert(pki, certName, subject);
  const user = /CN=([^/]+)/.exec(subject)?.[1] ?? certName;
  const b64 = (path: string) => readFileSync(path).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'shipline-local', cluster: { server: apiserverUrl, 'certificate-authority-data': b64(pki.caCert) } }],
    users: [{ name: user, user: { 'client-certificate-data': b64(client.cert), 'client-key-data': b64(client.key) } }],
    contexts: [{ name: 'shipline-local', context: { cluster: 'shipline-local', user } }],
    'current-context': 'shipline-local',
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, stringify(config), { mode: 0o600 });
}

/** The stack's admin client (system:masters). */
export function adminClient(): KubeClient {
  return KubeClient.load(paths.kubeconfig());
}
