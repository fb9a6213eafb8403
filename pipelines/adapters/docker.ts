// The one door to the Docker Engine, through dockerode (its own transport: the unix socket
// of DOCKER_HOST, else /var/run/docker.sock). Every call has a deadline: an Engine that does
// not answer, or answers slowly, fails with the call and the time it was given, never hangs.
// dockerode is loaded on the first call, so commands that never reach an Engine do not pay
// for it.
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { ExternalError } from '../errors.js';
import { dockerEngineAgent } from './http/index.js';

export type Engine = Docker;

export interface EngineOptions {
  /** The Engine's unix socket; default DOCKER_HOST's, else /var/run/docker.sock. */
  socketPath?: string;
  /** Deadline of each request (and how long a stream may stay silent). */
  timeoutMs?: number;
}

export const defaultEngineTimeoutMs = 30_000;
/** Where dockerd listens when neither the caller nor DOCKER_HOST says otherwise. */
const defaultEngineSocket = '/var/run/docker.sock';

/** The call's deadline, named in the error with what was asked, so a hung Engine never hangs shipline. */
export async function withDeadline<T>(what: string, timeoutMs: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ExternalError(`Docker Engine: ${what} did not finish within ${timeoutMs / 1000} s`, {
      hint: 'check that dockerd runs and answers on its socket (DOCKER_HOST), or give it more time',
    })), timeoutMs);
  });
  try {
    return await Promise.race([work, late]);
  } catch (error) {
    if (error instanceof ExternalError) throw error;
    throw new ExternalError(`Docker Engine: ${what}: ${engineMessage(error)}`, { cause: error, hint: hintFor(error) });
  } finally {
    clearTimeout(timer);
  }
}

function engineMessage(error: unknown): string {
  const e = error as { json?: { message?: string }; message?: string; code?: string };
  return e.json?.message ?? e.message ?? String(error);
}

function hintFor(error: unknown): string | undefined {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') return 'start dockerd (`npm run stack:up` starts the local one), or point DOCKER_HOST at a running Engine';
  return undefined;
}

function socketPathOf(options: EngineOptions): string | undefined {
  if (options.socketPath) return options.socketPath;
  const host = process.env.DOCKER_HOST;
  return host?.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
}

/** A dockerode client; `timeoutMs` is its requests' socket timeout. */
export async function dockerEngine(options: EngineOptions = {}): Promise<Engine> {
  const { default: DockerClass } = await import('dockerode');
  const socketPath = socketPathOf(options);
  const timeout = options.timeoutMs ?? defaultEngineTimeoutMs;
  // A unix socket (given, from DOCKER_HOST, or the default one) is reached through the HTTP
  // door's kept-alive agent; a tcp:// DOCKER_HOST is left to dockerode, which reads it itself.
  const unixSocket = socketPath ?? (process.env.DOCKER_HOST ? undefined : defaultEngineSocket);
  if (!unixSocket) return new DockerClass({ timeout });
  // docker-modem passes `agent` on to its requests; dockerode's types do not list it.
  const withAgent: Docker.DockerOptions & { agent: ReturnType<typeof dockerEngineAgent> } = { socketPath: unixSocket, timeout, agent: dockerEngineAgent(unixSocket) };
  return new DockerClass(withAgent);
}

/** True when the Engine answers _ping within the deadline. */
export async function enginePings(options: EngineOptions = {}): Promise<boolean> {
  const timeoutMs = options.timeoutMs ?? 3_000;
  try {
    const docker = await dockerEngine({ ...options, timeoutMs });
    const pong = await withDeadline('ping', timeoutMs, docker.ping());
    return String(pong) === 'OK';
  } catch {
    return false;
  }
}

export interface EngineVersion {
  version: string;
  apiVersion: string;
  /** The Engine's own platform, e.g. linux/amd64. */
  platform: string;
}

export async function engineVersion(docker: Engine, timeoutMs = defaultEngineTimeoutMs): Promise<EngineVersion> {
  const info = await withDeadline('version', timeoutMs, docker.version());
  return { version: info.Version, apiVersion: info.ApiVersion, platform: `${info.Os}/${info.Arch}` };
}

/** Waits for a progress stream (pull, load) to end; an error event in it fails the call. */
function followProgress(docker: Engine, stream: NodeJS.ReadableStream): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, output: ProgressEvent[]) => (error ? reject(error) : resolve(output)));
  });
}

interface ProgressEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

function failedEvent(events: ProgressEvent[]): string | undefined {
  const failed = events.find((e) => e.error);
  return failed ? (failed.errorDetail?.message ?? failed.error) : undefined;
}

/** Pulls an image (for one platform), failing with the engine's own message. */
export async function pullImage(docker: Engine, reference: string, options: { platform?: string; timeoutMs?: number } = {}): Promise<void> {
  await withDeadline(`pull ${reference}`, options.timeoutMs ?? 120_000, (async () => {
    const stream = await docker.pull(reference, options.platform ? { platform: options.platform } : {});
    const failed = failedEvent(await followProgress(docker, stream));
    if (failed) throw new ExternalError(`docker pull ${reference}: ${failed}`);
  })());
}

/** `docker load` of an archive stream; returns what the Engine says it loaded (tags, or image IDs). */
export async function loadImage(docker: Engine, archive: Readable, options: { timeoutMs?: number } = {}): Promise<string[]> {
  return withDeadline('load', options.timeoutMs ?? 300_000, (async () => {
    const stream = await docker.loadImage(archive, { quiet: true });
    const events = await followProgress(docker, stream);
    const failed = failedEvent(events);
    if (failed) throw new ExternalError(`docker load: ${failed}`);
    return events.flatMap((e) => /^Loaded image(?: ID)?: (\S+)/m.exec(e.stream ?? '')?.[1] ?? []);
  })());
}

export interface ImageFacts {
  id: string;
  platform: string;
  /** Ports the image declares (EXPOSE), e.g. ["8080/tcp"]. */
  exposedPorts: string[];
}

export async function inspectImage(docker: Engine, reference: string, timeoutMs = defaultEngineTimeoutMs): Promise<ImageFacts> {
  const info = await withDeadline(`inspect image ${reference}`, timeoutMs, docker.getImage(reference).inspect());
  return { id: info.Id, platform: `${info.Os}/${info.Architecture}`, exposedPorts: Object.keys(info.Config?.ExposedPorts ?? {}) };
}

export async function removeImage(docker: Engine, reference: string, timeoutMs = defaultEngineTimeoutMs): Promise<void> {
  await withDeadline(`remove image ${reference}`, timeoutMs, docker.getImage(reference).remove({ force: true }));
}

export interface ContainerSpec {
  image: string;
  platform?: string;
  name?: string;
  networkMode: 'none' | 'host';
  labels?: Record<string, string>;
}

export interface ContainerState {
  running: boolean;
  exitCode: number;
}

export interface RunningContainer {
  id: string;
  state(): Promise<ContainerState>;
  /** Runs argv inside the container; its exit code and output. */
  exec(argv: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }>;
  /** The last lines of its log (stdout and stderr). */
  logTail(lines: number): Promise<string>;
  remove(): Promise<void>;
}

/** Creates and starts a container; the caller removes it (remove() also stops it). */
export async function startContainer(docker: Engine, spec: ContainerSpec, timeoutMs = defaultEngineTimeoutMs): Promise<RunningContainer> {
  const container = await withDeadline(`create a container of ${spec.image}`, timeoutMs, docker.createContainer({
    Image: spec.image,
    name: spec.name,
    platform: spec.platform,
    Labels: spec.labels,
    HostConfig: { NetworkMode: spec.networkMode },
  }));
  const running: RunningContainer = {
    id: container.id,
    async state() {
      const info = await withDeadline(`inspect container ${container.id.slice(0, 12)}`, timeoutMs, container.inspect());
      return { running: info.State.Running, exitCode: info.State.ExitCode };
    },
    async exec(argv, execTimeoutMs) {
      return withDeadline(`exec ${argv[0]} in ${container.id.slice(0, 12)}`, execTimeoutMs, (async () => {
        const exec = await container.exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
        const stream = await exec.start({ hijack: true, stdin: false });
        const output = await collectDemuxed(docker, stream);
        const info = await exec.inspect();
        return { exitCode: info.ExitCode ?? -1, output };
      })());
    },
    async logTail(lines) {
      const log = await withDeadline(`logs of ${container.id.slice(0, 12)}`, timeoutMs, container.logs({ stdout: true, stderr: true, tail: lines, follow: false }));
      return demuxBuffer(log);
    },
    async remove() {
      await withDeadline(`remove container ${container.id.slice(0, 12)}`, timeoutMs, container.remove({ force: true }));
    },
  };
  try {
    await withDeadline(`start ${spec.image}`, timeoutMs, container.start());
  } catch (error) {
    await running.remove().catch(() => undefined);
    throw error;
  }
  return running;
}

function collectDemuxed(docker: Engine, stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sink = { write: (chunk: Buffer) => chunks.push(chunk) } as unknown as NodeJS.WritableStream;
    docker.modem.demuxStream(stream, sink, sink);
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

/** A non-TTY container's log is multiplexed: 8-byte frame headers (stream, size) before each chunk. */
export function demuxBuffer(log: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= log.length && log[at]! <= 2 && log.readUInt16BE(at + 1) === 0 && log[at + 3] === 0) {
    const size = log.readUInt32BE(at + 4);
    parts.push(log.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  if (at < log.length) parts.push(log.subarray(at));
  return Buffer.concat(parts).toString('utf8');
}
