// envtest-style PKI for the local kube-apiserver: a CA, a serving certificate for
// loopback, an admin client certificate (system:masters) and service-account keys.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { run } from '../adapters/process.js';
import { network } from './layout.js';

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

export function pkiPaths(dir: string): Pki {
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'apiserver.crt'),
    servingKey: join(dir, 'apiserver.key'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
    serviceAccountKey: join(dir, 'sa.key'),
    serviceAccountPub: join(dir, 'sa.pub'),
  };
}

const days = '3650';

async function ecKey(path: string): Promise<void> {
  await run(['openssl', 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', path]);
}

async function signed(pki: Pki, key: string, cert: string, subject: string, extensions: string): Promise<void> {
  await ecKey(key);
  const csr = `${cert}.csr`;
  const ext = `${cert}.ext`;
  writeFileSync(ext, extensions);
  await run(['openssl', 'req', '-new', '-key', key, '-subj', subject, '-out', csr]);
  await run([
    'openssl', 'x509', '-req', '-in', csr, '-CA', pki.caCert, '-CAkey', pki.caKey, '-CAcreateserial',
    '-days', days, '-extfile', ext, '-out', cert,
  ]);
}

/** Creates whatever of the PKI is missing; existing files are kept. */
export async function ensurePki(dir: string): Promise<Pki> {
  const pki = pkiPaths(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(pki.caCert)) {
    await ecKey(pki.caKey);
    await run([
      'openssl', 'req', '-x509', '-new', '-key', pki.caKey, '-subj', '/CN=shipline-local-ca',
      '-days', days, '-out', pki.caCert,
    ]);
  }
  await ensureServingCert(pki, { cert: pki.servingCert, key: pki.servingKey }, '/CN=kube-apiserver', [
    'IP:127.0.0.1', `IP:${network.kubernetesServiceIp}`, 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local',
  ]);
  if (!existsSync(pki.adminCert)) {
    await signed(
      pki, pki.adminKey, pki.adminCert, '/O=system:masters/CN=shipline-admin',
      'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
    );
  }
  if (!existsSync(pki.serviceAccountKey)) {
    await run(['openssl', 'genrsa', '-out', pki.serviceAccountKey, '2048']);
    await run(['openssl', 'rsa', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPub]);
  }
  return pki;
}

export interface ClientCert {
  cert: string;
  key: string;
}

/**
 * A client certificate signed by the stack CA, kept as <name>.crt/<name>.key in the
 * PKI directory; an existing pair is kept. The subject carries the identity RBAC sees
 * (CN = user, O = group).
 */
export async function ensureClientCert(pki: Pki, name: string, subject: string): Promise<ClientCert> {
  const client = { cert: join(pki.dir, `${name}.crt`), key: join(pki.dir, `${name}.key`) };
  if (!existsSync(client.cert) || !existsSync(client.key)) {
    await signed(
      pki, client.key, client.cert, subject,
      'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
    );
  }
  return client;
}

/** The subjectAltName entries of a certificate, as openssl writes them ("IP:…", "DNS:…"). */
function altNames(certFile: string): string[] {
  const text = new X509Certificate(readFileSync(certFile)).subjectAltName ?? '';
  return text.split(',').map((entry) => entry.trim().replace(/^IP Address:/, 'IP:'));
}

/**
 * A serving certificate signed by the stack CA for the given names; one whose names
 * differ (an older stack's, before a range changed) is made anew.
 */
export async function ensureServingCert(pki: Pki, pair: ClientCert, subject: string, sans: readonly string[]): Promise<ClientCert> {
  if (existsSync(pair.cert) && existsSync(pair.key) && sans.every((san) => altNames(pair.cert).includes(san))) return pair;
  await signed(
    pki, pair.key, pair.cert, subject,
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' +
      `subjectAltName=${sans.join(',')}\n`,
  );
  return pair;
}
