// Registry credentials: from flags, or from the Docker config file's `auths`.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../errors.js';

export interface Credentials {
  username: string;
  password: string;
}

/** Where the Docker CLI keeps its config: $DOCKER_CONFIG/config.json or ~/.docker/config.json. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
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

export function readDockerCredentials(registry: string, file = dockerConfigPath()): Credentials | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InputError(`${file}: not valid JSON (${(error as Error).message})`, {
      hint: 'fix or remove the Docker config file, or pass --username and --password-stdin',
    });
  }
  return credentialsFromDockerConfig(parsed, registry, file);
}
