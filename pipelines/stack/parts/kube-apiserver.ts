// kube-apiserver built from k8s.io/kubernetes, backed by the stack's etcd, with an
// admin kubeconfig written to a known path.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ensureClientCert, ensurePki, pkiPaths, type Pki } from '../certs.js';
import { daemonPart } from '../daemon-part.js';
import { buildGoTool } from '../install.js';
import { host, network, paths, ports } from '../layout.js';
import { httpGet } from '../probe.js';
import { etcdUrl } from './etcd.js';

export const apiserverUrl = `https://${host}:${ports.kubeApiserver}`;
const pkiDir = () => join(paths.state(), 'pki');
const kubeletClientName = 'apiserver-kubelet-client';

function tlsOptions(pki: Pki) {
  return {
    ca: readFileSync(pki.caCert),
    cert: readFileSync(pki.adminCert),
    key: readFileSync(pki.adminKey),
  };
}

async function get(path: string) {
  return httpGet(`${apiserverUrl}${path}`, tlsOptions(pkiPaths(pkiDir())));
}

function writeKubeconfig(pki: Pki): void {
  const b64 = (file: string) => readFileSync(file).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'shipline-local', cluster: { server: apiserverUrl, 'certificate-authority-data': b64(pki.caCert) } }],
    users: [{ name: 'shipline-admin', user: { 'client-certificate-data': b64(pki.adminCert), 'client-key-data': b64(pki.adminKey) } }],
    contexts: [{ name: 'shipline-local', context: { cluster: 'shipline-local', user: 'shipline-admin', namespace: 'default' } }],
    'current-context': 'shipline-local',
  };
  writeFileSync(paths.kubeconfig(), stringify(config), { mode: 0o600 });
}

export const kubeApiserver = daemonPart({
  name: 'kube-apiserver',
  address: apiserverUrl,
  ports: [ports.kubeApiserver],
  debianPackages: ['openssl'],
  async install() {
    if (!existsSync(paths.kubeApiserver())) await buildGoTool('kube-apiserver');
    const pki = await ensurePki(pkiDir());
    // The API server's identity towards kubelets (logs, exec, port-forward).
    await ensureClientCert(pki, kubeletClientName, '/O=system:masters/CN=kube-apiserver-kubelet-client');
    writeKubeconfig(pki);
  },
  argv() {
    const pki = pkiPaths(pkiDir());
    return [
      paths.kubeApiserver(),
      `--etcd-servers=${etcdUrl}`,
      `--bind-address=${host}`,
      `--advertise-address=${host}`,
      `--secure-port=${ports.kubeApiserver}`,
      `--cert-dir=${pki.dir}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-cluster-ip-range=${network.serviceCidr}`,
      // Kubelets are reached by the node's InternalIP (the pod bridge's address) and must
      // present a certificate of the stack CA; never through the machine's resolver.
      '--kubelet-preferred-address-types=InternalIP',
      `--kubelet-certificate-authority=${pki.caCert}`,
      `--kubelet-client-certificate=${join(pki.dir, `${kubeletClientName}.crt`)}`,
      `--kubelet-client-key=${join(pki.dir, `${kubeletClientName}.key`)}`,
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      '--enable-priority-and-fairness=false',
      '--v=1',
    ];
  },
  async ready() {
    const res = await get('/readyz');
    return res.status === 200;
  },
  async version() {
    const res = await get('/version');
    return (JSON.parse(res.body) as { gitVersion: string }).gitVersion;
  },
  startTimeoutMs: 120_000,
});
