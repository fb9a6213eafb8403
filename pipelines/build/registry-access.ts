// The build's view of its target registry: a client with the Docker config's
// credentials for that host, and a check that they are accepted before building.
import { dockerConfigPath, readDockerCredentials, RegistryAuthError, RegistryClient } from '../adapters/registry.js';
import { credentialSourceOf } from '../adapters/registry/credentials.js';
import { PreconditionError } from '../errors.js';
import { credentialKey, registryApiHost, splitRepository } from '../model/image-ref.js';

export interface RegistryTarget {
  /** The registry as the user names it (docker.io, 127.0.0.1:5000). */
  host: string;
  path: string;
  client: RegistryClient;
  /** Where credentials came from, when any were used. */
  credentialsFrom?: string;
}

/** A client for the repository's registry, with credentials from the Docker config when it holds some. */
export async function registryTarget(repository: string, env: NodeJS.ProcessEnv = process.env): Promise<RegistryTarget> {
  const { host, path } = splitRepository(repository);
  const file = dockerConfigPath(env);
  const credentials = await readDockerCredentials(credentialKey(host), file, env);
  const client = new RegistryClient(registryApiHost(host), { credentials });
  return credentials ? { host, path, client, credentialsFrom: credentialSourceOf(credentialKey(host), file) } : { host, path, client };
}

const loginHint = (host: string) =>
  `run \`docker login ${host}\` (shipline reads $DOCKER_CONFIG/config.json, else ~/.docker/config.json), or build without pushing (--no-push)`;

/**
 * Before a push: if the registry asks for credentials (GET /v2/ answers 401), the Docker
 * config must hold some for it and the registry must accept them for the repository.
 * Refusals are PreconditionErrors that name the registry and user, never the secret.
 */
export async function checkPushAccess(repository: string, env: NodeJS.ProcessEnv = process.env): Promise<RegistryTarget> {
  const target = await registryTarget(repository, env);
  if (!(await target.client.requiresAuth())) return target;
  if (!target.credentialsFrom) {
    throw new PreconditionError(
      `registry ${target.host} requires credentials to push ${repository}, and ${dockerConfigPath(env)} holds none for it`,
      { hint: loginHint(target.host) },
    );
  }
  try {
    await target.client.checkAccess(target.path);
  } catch (error) {
    if (!(error instanceof RegistryAuthError)) throw error;
    throw new PreconditionError(`${error.message} (credentials from ${target.credentialsFrom})`, { hint: loginHint(target.host) });
  }
  return target;
}
