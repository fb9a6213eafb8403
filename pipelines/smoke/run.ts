// Runs a smoke plan on the Docker Engine through the one Docker door: gets the image (pull by
// digest, or load from the OCI tarball), starts it, waits until its port answers (and the
// path returns 2xx), then removes the container. An image that exits, never listens or fails
// its path is a failed precondition (exit 3) with its exit code and the last lines of its log.
//
// Network: the stack's dockerd has no bridge and no iptables, and no packet may leave this
// machine, so the container runs with NetworkMode "none": its own network namespace with only
// a loopback interface. The probe runs inside that namespace (an exec of the image's busybox
// wget against 127.0.0.1), so it reaches the very port the service listens on, needs no free
// host port, cannot collide with anything on the host, and nothing it sends can follow a
// route out.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  dockerEngine, engineVersion, inspectImage, loadImage, pullImage, removeImage, startContainer,
  type Engine, type RunningContainer,
} from '../adapters/docker.js';
import type { ImageIndex } from '../adapters/registry.js';
import { parseImageRef } from '../model/image-ref.js';
import { PreconditionError, SmokeFailedError } from '../errors.js';
import type { SmokePlan } from './plan.js';

export interface SmokeResult {
  platform: string;
  image: string;
  port: number;
  path?: string;
  /** From the container's start until the probe passed. */
  answeredMs: number;
  totalMs: number;
}

const logLines = 20;
const pollMs = 100;
/**
 * Each probe's limit: the exec's deadline (QEMU-emulated images are slower). Not wget -T: the
 * static busybox 1.35 of Debian's base images crashes (SIGSEGV) with it.
 */
const execTimeoutMs = 10_000;

/** The Engine's own platform: what --smoke-platform defaults to. */
export async function enginePlatform(): Promise<string> {
  return (await engineVersion(await dockerEngine())).platform;
}

type Probe = { kind: 'pass' } | { kind: 'refused'; detail: string } | { kind: 'http-error'; detail: string };

async function probe(container: RunningContainer, url: string, wantPath: boolean): Promise<Probe> {
  const { exitCode, output } = await container.exec(['wget', '-q', '-O', '/dev/null', url], execTimeoutMs);
  if (exitCode === 0) return { kind: 'pass' };
  if (exitCode === 126 || exitCode === 127 || /executable file not found|no such file/i.test(output)) {
    throw new PreconditionError(`smoke run: the image has no wget to probe it from inside its network namespace (${output.trim().split('\n')[0]})`, {
      hint: 'add busybox (wget) to the image, or skip the smoke run with --no-smoke',
    });
  }
  const detail = output.trim().split('\n').pop() ?? `wget exit ${exitCode}`;
  // An HTTP answer, even 404, means the port answers; only the path's 2xx counts when a path is set.
  if (/server returned error/i.test(output)) return wantPath ? { kind: 'http-error', detail } : { kind: 'pass' };
  return { kind: 'refused', detail };
}

async function failure(container: RunningContainer, what: string, plan: SmokePlan, exitCode?: number): Promise<SmokeFailedError> {
  const log = (await container.logTail(logLines).catch((e: Error) => `(its log could not be read: ${e.message})`)).trimEnd();
  const lines = log ? log.split('\n').map((l) => `  | ${l}`).join('\n') : '  | (empty)';
  return new SmokeFailedError(`smoke run (${plan.platform}): ${what}${exitCode === undefined ? '' : ` (exit code ${exitCode})`}; nothing reached the cluster\nlast lines of its log:\n${lines}`, {
    hint: 'fix the image so that it starts and listens (its log above), or skip the smoke run with --no-smoke',
  });
}

async function imagePresent(docker: Engine, reference: string): Promise<boolean> {
  return inspectImage(docker, reference).then(() => true, () => false);
}

/**
 * repository@digest of the platform's own manifest. Pulled by the index's digest, a second
 * platform of one image fails on Docker 20.10 ("Cannot overwrite digest") once the first is
 * there; the platform's manifest digest names that image alone.
 */
async function platformReference(reference: string, platform: string): Promise<string> {
  const ref = parseImageRef(reference);
  if (!ref?.registry || !ref.digest) return reference;
  const { RegistryClient, isIndexMediaType, platformString, readDockerCredentials } = await import('../adapters/registry.js');
  const client = new RegistryClient(ref.registry, { credentials: await readDockerCredentials(ref.registry) });
  const fetched = await client.manifest<ImageIndex>(ref.repository, ref.digest);
  if (!fetched) throw new PreconditionError(`smoke run: ${reference} is not in its registry`, { hint: 'push it first, or pass the reference a build printed' });
  if (!isIndexMediaType(fetched.mediaType)) return reference;
  const entry = fetched.body.manifests.find((m) => m.platform && platformString(m.platform) === platform);
  if (!entry) {
    const has = fetched.body.manifests.flatMap((m) => (m.platform && m.platform.os !== 'unknown' ? [platformString(m.platform)] : []));
    throw new PreconditionError(`smoke run: ${reference} has no ${platform} image (it has ${has.join(', ')})`, { hint: `pass --smoke-platform with one of ${has.join(', ')}` });
  }
  return `${ref.registry}/${ref.repository}@${entry.digest}`;
}

async function getImage(docker: Engine, plan: SmokePlan): Promise<{ image: string; hadImage: boolean }> {
  if (plan.source.kind === 'registry') {
    const image = await platformReference(plan.source.reference, plan.platform);
    // An image the Engine did not hold before is removed again afterwards.
    const hadImage = await imagePresent(docker, image);
    await pullImage(docker, image, { platform: plan.platform });
    return { image, hadImage };
  }
  const [{ openArchive }, { dockerLoadStream, platformManifest }] = await Promise.all([import('../bundle/open.js'), import('../bundle/docker-load.js')]);
  const archive = await openArchive(plan.source.file, plan.source.name);
  const image = archive.images[0]!;
  const hadImage = await imagePresent(docker, plan.source.name);
  await loadImage(docker, dockerLoadStream(archive, image, platformManifest(plan.source.file, image, plan.platform), plan.source.name));
  return { image: plan.source.name, hadImage };
}

function exposedPort(ports: string[], image: string): number {
  const tcp = ports.find((p) => p.endsWith('/tcp'));
  if (!tcp) throw new PreconditionError(`smoke run: ${image} exposes no TCP port, and the config names none`, { hint: 'set rollout.gates.http.port, or EXPOSE the port in the Dockerfile' });
  return Number.parseInt(tcp, 10);
}

export async function runSmoke(plan: SmokePlan, log: (line: string) => void = () => undefined): Promise<SmokeResult> {
  const started = Date.now();
  const docker = await dockerEngine();
  const { image, hadImage } = await getImage(docker, plan);
  const facts = await inspectImage(docker, image);
  const port = plan.port ?? exposedPort(facts.exposedPorts, image);
  const url = `http://127.0.0.1:${port}${plan.path ?? '/'}`;
  const container = await startContainer(docker, { image, platform: plan.platform, networkMode: 'none', labels: { 'dev.shipline.smoke': 'true' } });
  const running = Date.now();
  log(`smoke run: ${image} (${facts.platform}) started as ${container.id.slice(0, 12)}; probing ${url} inside it`);
  try {
    let last = 'no answer yet';
    for (;;) {
      const exited = async () => {
        const state = await container.state();
        return state.running ? undefined : failure(container, `${image} exited before ${plan.path ? `${plan.path} returned 2xx` : `port ${port} answered`}`, plan, state.exitCode);
      };
      const stopped = await exited();
      if (stopped) throw stopped;
      // An exec into a container that has just exited fails: that is the exit, not the probe's fault.
      const answer = await probe(container, url, plan.path !== undefined).catch(async (error: unknown) => {
        throw (error instanceof PreconditionError ? undefined : await exited()) ?? error;
      });
      if (answer.kind === 'pass') {
        const result = { platform: facts.platform, image, port, path: plan.path, answeredMs: Date.now() - running, totalMs: Date.now() - started };
        log(`smoke run: ${plan.path ? `${plan.path} returned 2xx` : `port ${port} answered`} after ${(result.answeredMs / 1000).toFixed(2)} s`);
        return result;
      }
      last = answer.detail;
      if (Date.now() - running > plan.timeoutMs) {
        const what = answer.kind === 'http-error' ? `${plan.path} did not return 2xx within ${plan.timeoutMs / 1000} s (last: ${last})` : `port ${port} did not answer within ${plan.timeoutMs / 1000} s (last: ${last})`;
        throw await failure(container, what, plan);
      }
      await sleep(pollMs);
    }
  } finally {
    await container.remove().catch(() => undefined);
    if (!hadImage) await removeImage(docker, image).catch(() => undefined);
  }
}
