// What tells one connection from another: the origin's TLS identity (CAs, client
// certificate), socket, proxy and protocol. Requests with the same key share connections.
import { createHash } from 'node:crypto';
import { connectTimeoutMs } from './policy.js';

/** TLS settings of a connection: a private CA, a client certificate (kubeconfig), or none. */
export interface TlsOptions {
  ca?: string | Buffer | (string | Buffer)[];
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
}

export interface ConnectionOptions {
  tls?: TlsOptions;
  /** Connect to a unix socket instead (the URL's host is then only a name). */
  socketPath?: string;
  /** Use HTTPS_PROXY/HTTP_PROXY/NO_PROXY from the environment (registries). Loopback never goes through a proxy. */
  proxyFromEnv?: boolean;
  /** A proxy named by configuration (a kubeconfig cluster's proxy-url). */
  proxy?: string;
  /** Offer HTTP/2 in the TLS handshake (the Kubernetes API serves it: one connection carries every request). */
  http2?: boolean;
  /** Give up connecting (TCP and TLS) after this long; default the policy's connectTimeoutMs. */
  connectTimeoutMs?: number;
}

/** The hash of a TLS identity's keys and CAs, made once per options object: a client sends one object with every request. */
const tlsHashes = new WeakMap<TlsOptions, string>();

function tlsHash(tls: TlsOptions | undefined): string {
  if (tls === undefined) return '-';
  let known = tlsHashes.get(tls);
  if (known === undefined) {
    const hash = createHash('sha256');
    for (const part of [tls.ca, tls.cert, tls.key].flat()) hash.update(part === undefined ? '-' : part).update('\0');
    known = `${hash.digest('hex')} ${tls.rejectUnauthorized ?? true} ${tls.servername ?? ''}`;
    tlsHashes.set(tls, known);
  }
  return known;
}

export function fingerprint(options: ConnectionOptions): string {
  return `${tlsHash(options.tls)} ${options.socketPath ?? ''} ${options.proxyFromEnv ?? false} ${options.proxy ?? ''} ${options.http2 ?? false} ${options.connectTimeoutMs ?? connectTimeoutMs}`;
}

