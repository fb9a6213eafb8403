// Registry authentication: anonymous, Basic, and Bearer tokens from the token endpoint
// that a WWW-Authenticate challenge names. Secrets stay in headers, never in messages.
import { ExternalError } from '../../errors.js';
import type { Credentials } from './credentials.js';
import { headerValue, send, TransientError } from './http.js';
import { transientStatus } from '../retry.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="a b"` (quoted values may hold commas). */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  const match = header ? /^\s*(\w+)\s*(.*)$/s.exec(header) : null;
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const m of match[2]!.matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[m[1]!.toLowerCase()] = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { scheme: match[1]!.toLowerCase(), params };
}

/** The registry wants credentials we do not have, or refused the ones we sent. */
export class RegistryAuthError extends ExternalError {}

const loginHint = (registry: string) =>
  `log in with \`docker login ${registry}\` (read from ~/.docker/config.json or $DOCKER_CONFIG), or pass --username and --password-stdin`;

/**
 * The scopes a Bearer challenge asks for, each with its actions sorted: the registry words them
 * from a Go map, "pull,push" one time and "push,pull" the next, which are one scope.
 */
function challengeScopes(challenge: Challenge): string[] {
  return (challenge.params.scope ?? '').split(' ').filter(Boolean).map((scope) => {
    const at = scope.lastIndexOf(':');
    return at < 0 ? scope : `${scope.slice(0, at)}:${[...new Set(scope.slice(at + 1).split(','))].sort().join(',')}`;
  });
}

export class Authenticator {
  private header: string | undefined;
  private generation = 0;
  private scopes = new Set<string>();
  private tokenExpiresAt = 0;
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly registry: string,
    private readonly credentials?: Credentials,
    private readonly now: () => number = Date.now,
  ) {}

  /** The Authorization header to send, and the generation it belongs to. */
  current(): { header: string | undefined; generation: number } {
    return { header: this.header, generation: this.generation };
  }

  /** Called on a 401: gets a header that may pass, or throws if the registry refuses us. */
  async refresh(usedGeneration: number, wwwAuthenticate: string | undefined): Promise<void> {
    const challenge = parseChallenge(wwwAuthenticate);
    // Recomputed after waiting: a concurrent refresh may have added the scope meanwhile.
    const grows = () => challenge?.scheme === 'bearer' && challengeScopes(challenge).some((s) => !this.scopes.has(s));
    if (usedGeneration !== this.generation && !grows()) return;
    while (this.inflight) await this.inflight.catch(() => undefined);
    if (usedGeneration !== this.generation && !grows()) return;
    this.inflight = this.authenticate(challenge).finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async authenticate(challenge: Challenge | undefined): Promise<void> {
    if (!challenge) throw new ExternalError(`registry ${this.registry} answered 401 without a WWW-Authenticate challenge`);
    if (challenge.scheme === 'basic') {
      if (!this.credentials) throw this.needsLogin();
      if (this.credentials.identityToken) {
        throw new RegistryAuthError(`registry ${this.registry} asks for Basic auth, but the Docker config holds only an identity token for it`, { hint: loginHint(this.registry) });
      }
      if (this.header?.startsWith('Basic ')) throw this.refused();
      const { username, password } = this.credentials;
      this.set(`Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`);
      return;
    }
    if (challenge.scheme !== 'bearer') {
      throw new ExternalError(`registry ${this.registry} asks for unsupported auth scheme "${challenge.scheme}"`);
    }
    const before = this.scopes.size;
    for (const scope of challengeScopes(challenge)) this.scopes.add(scope);
    const expired = this.now() >= this.tokenExpiresAt;
    if (this.header?.startsWith('Bearer ') && this.scopes.size === before && !expired) throw this.refused();
    await this.fetchToken(challenge.params);
  }

  private async fetchToken(params: Record<string, string>): Promise<void> {
    if (!params.realm) throw new ExternalError(`registry ${this.registry} sent a Bearer challenge without a realm`);
    let url: URL;
    try {
      url = new URL(params.realm);
    } catch {
      throw new ExternalError(`registry ${this.registry} named an invalid token realm`);
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    let res;
    if (this.credentials?.identityToken) {
      // An identity token is an OAuth2 refresh token: exchanged by POST (distribution's token spec).
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: this.credentials.identityToken, client_id: 'shipline' });
      if (params.service) form.set('service', params.service);
      if (this.scopes.size > 0) form.set('scope', [...this.scopes].join(' '));
      res = await send({ method: 'POST', url, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form.toString()) });
    } else {
      if (params.service) url.searchParams.set('service', params.service);
      for (const scope of this.scopes) url.searchParams.append('scope', scope);
      if (this.credentials) {
        const { username, password } = this.credentials;
        headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
      }
      res = await send({ method: 'GET', url, headers });
    }
    if (res.status === 401 || res.status === 403) throw this.refused(`token server ${url.origin}`);
    if (transientStatus(res.status)) {
      throw new TransientError(`token server ${url.origin} answered HTTP ${res.status}`);
    }
    if (res.status !== 200) throw new ExternalError(`token server ${url.origin} answered HTTP ${res.status}`);
    let body: { token?: string; access_token?: string; expires_in?: number };
    try {
      body = JSON.parse(res.body.toString('utf8')) as typeof body;
    } catch {
      throw new ExternalError(`token server ${url.origin} sent a reply that is not JSON (${headerValue(res.headers, 'content-type') ?? 'no content type'})`);
    }
    const token = body.token ?? body.access_token;
    if (!token) throw new ExternalError(`token server ${url.origin} sent no token`);
    this.tokenExpiresAt = this.now() + Math.max(10, (body.expires_in ?? 60) - 10) * 1000;
    this.set(`Bearer ${token}`);
  }

  private set(header: string): void {
    this.header = header;
    this.generation++;
  }

  private needsLogin(): RegistryAuthError {
    return new RegistryAuthError(`registry ${this.registry} requires authentication and no credentials were given`, {
      hint: loginHint(this.registry),
    });
  }

  private refused(who = `registry ${this.registry}`): RegistryAuthError {
    const user = this.credentials ? ` for user "${this.credentials.username}"` : ' for anonymous access';
    return new RegistryAuthError(`${who} refused the credentials${user} (HTTP 401)`, { hint: loginHint(this.registry) });
  }
}
