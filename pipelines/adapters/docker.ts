// The one door to the Docker Engine, through dockerode.
import Docker from 'dockerode';

export function dockerEngine(): Docker {
  // dockerode reads DOCKER_HOST itself and falls back to /var/run/docker.sock.
  return new Docker();
}

export async function engineVersion(docker = dockerEngine()): Promise<{ version: string; apiVersion: string }> {
  const info = await docker.version();
  return { version: info.Version, apiVersion: info.ApiVersion };
}
