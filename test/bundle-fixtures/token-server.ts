// A real token server for a real registry's `auth: token` (the Docker registry token
// protocol): Basic-authenticated GET /token, or the OAuth2 POST /token with a refresh token
// (what `docker login` stores as `identitytoken`) → RS256 JWT whose `kid` is the libtrust
// key ID of the certificate the registry trusts. Only for tests.
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { run } from '../../pipelines/adapters/process.js';

const base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(data: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of data) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += base32Alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return bits > 0 ? out + base32Alphabet[(value << (5 - bits)) & 31] : out;
}

/** libtrust's key ID: base32 of the first 240 bits of sha256(DER public key), in groups of four. */
export function libtrustKeyId(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  const id = base32(createHash('sha256').update(der).digest().subarray(0, 30));
  return id.match(/.{4}/g)!.join(':');
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export interface TokenServer {
  realm: string;
  certFile: string;
  service: string;
  issuer: string;
  /** Token requests seen, with the scopes asked for and how the client proved who it is. */
  requests: { user: string | undefined; scopes: string[]; grant: 'basic' | 'refresh_token' | 'none' }[];
  close(): Promise<void>;
}

/** `refreshTokens`: refresh token → the user it stands for (as an identity provider issued it). */
export async function startTokenServer(dir: string, users: Record<string, string>, refreshTokens: Record<string, string> = {}): Promise<TokenServer> {
  const keyFile = join(dir, 'token.key');
  const certFile = join(dir, 'token.crt');
  await run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-subj', '/CN=shipline-test-token', '-days', '2']);
  const privateKey = createPrivateKey(readFileSync(keyFile));
  const kid = libtrustKeyId(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString());
  const service = 'shipline-test-registry';
  const issuer = 'shipline-test-issuer';
  const requests: TokenServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req.method ?? 'GET', new URL(req.url ?? '/', 'http://x'), req.headers.authorization, Buffer.concat(chunks).toString('utf8'), res));
  });
  const answer = (method: string, url: URL, authorization: string | undefined, body: string, res: import('node:http').ServerResponse) => {
    let user: string | undefined;
    let scopes: string[];
    let grant: TokenServer['requests'][number]['grant'] = 'none';
    let proven = false;
    if (method === 'POST') {
      // OAuth2: grant_type=refresh_token, scopes space-separated in one field.
      const form = new URLSearchParams(body);
      scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      if (form.get('grant_type') === 'refresh_token') {
        grant = 'refresh_token';
        user = refreshTokens[form.get('refresh_token') ?? ''];
        proven = user !== undefined && form.get('service') === service;
      }
    } else {
      const basic = /^Basic (.+)$/.exec(authorization ?? '')?.[1];
      let password: string | undefined;
      if (basic) {
        grant = 'basic';
        [user, password] = Buffer.from(basic, 'base64').toString('utf8').split(/:(.*)/s);
      }
      scopes = url.searchParams.getAll('scope');
      proven = !!user && users[user] === password;
    }
    requests.push({ user, scopes, grant });
    if (url.pathname !== '/token' || !proven) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.flatMap((s) => {
      const [type, name, actions] = s.split(':');
      return type && name && actions ? [{ type, name, actions: actions.split(',') }] : [];
    });
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid }));
    const claims = b64url(JSON.stringify({ iss: issuer, sub: user, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access }));
    const signature = b64url(sign('sha256', Buffer.from(`${header}.${claims}`), privateKey));
    const token = `${header}.${claims}.${signature}`;
    // The OAuth2 answer names it access_token (distribution's token spec).
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(grant === 'refresh_token' ? { access_token: token, expires_in: 300 } : { token, expires_in: 300 }));
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certFile,
    service,
    issuer,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
