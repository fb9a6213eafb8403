// Splits an image repository into its registry host and path, the way Docker does.

export interface RepositoryName {
  host: string;
  path: string;
}

export function splitRepository(repository: string): RepositoryName {
  const slash = repository.indexOf('/');
  const first = slash === -1 ? '' : repository.slice(0, slash);
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { host: first, path: repository.slice(slash + 1) };
  }
  const path = repository.includes('/') ? repository : `library/${repository}`;
  return { host: 'docker.io', path };
}

/** The host the registry API answers on (Docker Hub's API lives elsewhere). */
export function apiHost(host: string): string {
  return host === 'docker.io' ? 'registry-1.docker.io' : host;
}
