// envtest-style PKI for the local kube-apiserver: a CA, a serving certificate for
// loopback, an admin client certificate (system:masters) and service-account keys.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../adapters/process.js';

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
  if (!existsSync(pki.servingCert)) {
    await signed(
      pki, pki.servingKey, pki.servingCert, '/CN=kube-apiserver',
      'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' +
        'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n',
    );
  }
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
