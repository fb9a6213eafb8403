// Registry credentials: from flags, or from the Docker config file: a credential helper
// (`credHelpers` for the host, else `credsStore`), else `auths` (auth, username/password,
// or an identity token). Secrets are never put in messages.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ExternalError, InputError } from '../../errors.js';

export interface Credentials {
  username: string;
  password: string;
  /** An OAuth2 refresh token (`identitytoken`, or a helper's `<token>` user): exchanged at the token server. */
  identityToken?: string;
}

/** Where the Docker CLI keeps its config: $DOCKER_CONFIG/config.json or ~/.docker/config.json. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** "https://host:5000/v1/" and "host:5000" name the same registry. */
export function registryKey(address: string): string {
  return address.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
}

/** Pure: the credentials a parsed Docker config holds for a registry host, if any. */
export function credentialsFromDockerConfig(config: unknown, registry: string, file: string): Credentials | undefined {
  const auths = (config as DockerConfig | null)?.auths;
  if (!auths || typeof auths !== 'object') return undefined;
  const key = registryKey(registry);
  const [name, entry] = Object.entries(auths).find(([k]) => registryKey(k) === key) ?? [];
  if (!entry) return undefined;
  if (entry.identitytoken) return { username: entry.username ?? '<token>', password: '', identityToken: entry.identitytoken };
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  if (!entry.auth) return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) {
    throw new InputError(`${file}: auths["${name}"].auth is not base64 of "user:password"`, {
      hint: `log in again with \`docker login ${registry}\`, or pass --username and --password-stdin`,
    });
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Pure: the credential helper the Docker config names for a registry host, if any. */
export function credentialHelperFor(config: unknown, registry: string): string | undefined {
  const parsed = config as DockerConfig | null;
  const key = registryKey(registry);
  const specific = Object.entries(parsed?.credHelpers ?? {}).find(([k]) => registryKey(k) === key)?.[1];
  return specific || parsed?.credsStore || undefined;
}

/** Runs `docker-credential-<helper> get` with the server address on stdin (the helper protocol). */
export async function credentialsFromHelper(helper: string, registry: string, env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  const program = `docker-credential-${helper}`;
  // zx loads only when a helper is named: most imports read no credentials at all.
  const { run } = await import('../process.js');
  const result = await run([program, 'get'], { input: registry, env, nothrow: true, timeoutMs: 30_000 }).catch((error: unknown) => {
    throw new ExternalError(`credential helper ${program} (from the Docker config) cannot be run: ${(error as Error).message}`, {
      hint: `install ${program}, or remove it from credsStore / credHelpers`,
    });
  });
  if (result.exitCode !== 0) {
    // The helper's own words for "I hold nothing for this server".
    if (/credentials not found/i.test(result.stdout + result.stderr)) return undefined;
    throw new ExternalError(`credential helper ${program} failed for ${registry} (exit ${result.exitCode}): ${result.stderr.trim().split('\n')[0] ?? ''}`.trim());
  }
  let reply: { Username?: string; Secret?: string };
  try {
    reply = JSON.parse(result.stdout) as typeof reply;
  } catch {
    throw new ExternalError(`credential helper ${program} gave a reply for ${registry} that is not JSON`);
  }
  if (!reply.Secret) return undefined;
  if (reply.Username === '<token>') return { username: '<token>', password: '', identityToken: reply.Secret };
  return { username: reply.Username ?? '', password: reply.Secret };
}

/** Where the Docker config keeps a host's credentials, for messages: a helper program, or the file. */
export function credentialSourceOf(registry: string, file = dockerConfigPath()): string {
  try {
    const helper = credentialHelperFor(JSON.parse(readFileSync(file, 'utf8')), registry);
    return helper ? `docker-credential-${helper} (named in ${file})` : file;
  } catch {
    return file;
  }
}

/** The credentials the Docker config file (and the helpers it names) hold for a registry host. */
export async function readDockerCredentials(registry: string, file = dockerConfigPath(), env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InputError(`${file}: not valid JSON (${(error as Error).message})`, {
      hint: 'fix or remove the Docker config file, or pass --username and --password-stdin',
    });
  }
  const helper = credentialHelperFor(parsed, registry);
  if (helper) return credentialsFromHelper(helper, registry, env);
  return credentialsFromDockerConfig(parsed, registry, file);
}
