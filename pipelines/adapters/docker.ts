// The one door to the Docker Engine, through dockerode.
import Docker from 'dockerode';
import { ExternalError } from '../errors.js';

export function dockerEngine(): Docker {
  // dockerode reads DOCKER_HOST itself and falls back to /var/run/docker.sock.
  return new Docker();
}

export async function engineVersion(docker = dockerEngine()): Promise<{ version: string; apiVersion: string }> {
  const info = await docker.version();
  return { version: info.Version, apiVersion: info.ApiVersion };
}

/** Pulls an image (for one platform), failing with the engine's own message. */
export async function pullImage(reference: string, options: { platform?: string } = {}, docker = dockerEngine()): Promise<void> {
  const stream = await docker.pull(reference, options.platform ? { platform: options.platform } : {});
  const events = await new Promise<{ error?: string; errorDetail?: { message?: string } }[]>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, output: { error?: string }[]) => (error ? reject(error) : resolve(output)));
  });
  const failed = events.find((e) => e.error);
  if (failed) throw new ExternalError(`docker pull ${reference}: ${failed.errorDetail?.message ?? failed.error}`);
}
