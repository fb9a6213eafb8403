// Smoke-runs the sample service image in the stack's Docker Engine: busybox httpd on a
// free loopback port (host network; the engine has no bridge), asked for its version.
import { setTimeout as sleep } from 'node:timers/promises';
import { dockerEngine, inspectImage, pullImage, removeImage } from '../../pipelines/adapters/docker.js';
import { freePort } from '../../scripts/bench/fixtures/registry-instance.js';

export interface VersionAnswer {
  service: string;
  version: string;
  arch: string;
}

async function answer(url: string, timeoutMs: number): Promise<VersionAnswer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) return (await res.json()) as VersionAnswer;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * Pulls `reference` for `platform`, runs it, GETs /cgi-bin/version; removes the container and
 * the image afterwards. Returns the answer and the architecture the engine recorded.
 */
export async function smokeRun(reference: string, platform: string): Promise<{ answer: VersionAnswer; imageArchitecture: string }> {
  const docker = await dockerEngine();
  await pullImage(docker, reference, { platform });
  const image = await inspectImage(docker, reference);
  const port = await freePort();
  const container = await docker.createContainer({
    Image: reference,
    platform,
    Entrypoint: ['/bin/busybox', 'httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', '/www'],
    HostConfig: { NetworkMode: 'host' },
  });
  try {
    await container.start();
    return { answer: await answer(`http://127.0.0.1:${port}/cgi-bin/version`, 30_000), imageArchitecture: image.platform.split('/')[1]! };
  } finally {
    await container.remove({ force: true });
    await removeImage(docker, reference).catch(() => undefined);
  }
}
