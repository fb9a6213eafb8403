// The one door to `docker buildx`: version, builder inspection and creation, builds.
import { ExternalError } from '../errors.js';
import { quoteArgv, run, tail } from './process.js';

export interface BuilderNodeInfo {
  name: string;
  endpoint: string;
  status: string;
  platforms: string[];
  buildkitVersion: string;
}

export interface BuilderInfo {
  name: string;
  driver: string;
  nodes: BuilderNodeInfo[];
  /** Union of the nodes' platforms. */
  platforms: string[];
  /** Of the first node, for single-node builders. */
  endpoint: string;
  status: string;
  buildkitVersion: string;
}

/** Parses `docker buildx inspect` text output (one block per node). */
export function parseInspect(text: string): BuilderInfo {
  const [head = '', ...nodeBlocks] = text.split(/^Nodes:\s*$/m).join('').split(/^(?=Name:\s)/m).filter((b) => b.trim());
  const field = (block: string, label: string) => new RegExp(`^${label}:\\s*(.*)$`, 'm').exec(block)?.[1]?.trim() ?? '';
  const nodes = nodeBlocks.map((block) => ({
    name: field(block, 'Name'),
    endpoint: field(block, 'Endpoint'),
    status: field(block, 'Status'),
    platforms: field(block, 'Platforms').split(',').map((p) => p.trim().replace(/\*$/, '')).filter(Boolean),
    buildkitVersion: field(block, 'BuildKit version') || field(block, 'Buildkit'),
  }));
  const first = nodes[0];
  return {
    name: field(head, 'Name'),
    driver: field(head, 'Driver'),
    nodes,
    platforms: [...new Set(nodes.flatMap((n) => n.platforms))],
    endpoint: first?.endpoint ?? '',
    status: first?.status ?? '',
    buildkitVersion: first?.buildkitVersion ?? '',
  };
}

export async function buildxVersion(): Promise<string | undefined> {
  const result = await run(['docker', 'buildx', 'version'], { nothrow: true, timeoutMs: 20_000 }).catch(() => undefined);
  if (!result || result.exitCode !== 0) return undefined;
  return /v?(\d+\.\d+\.\d+\S*)/.exec(result.stdout)?.[1];
}

export async function inspectBuilder(name: string, bootstrap = false): Promise<BuilderInfo | undefined> {
  const argv = ['docker', 'buildx', 'inspect', ...(bootstrap ? ['--bootstrap'] : []), name];
  const result = await run(argv, { nothrow: true, timeoutMs: 60_000 }).catch(() => undefined);
  return result?.exitCode === 0 ? parseInspect(result.stdout) : undefined;
}

export async function buildx(args: readonly string[]): Promise<void> {
  await run(['docker', 'buildx', ...args], { timeoutMs: 120_000 });
}

export interface RunBuildOptions {
  cwd: string;
  env: Record<string, string>;
  onLine?: (line: string) => void;
  /** onLine shows every line to the user: the error then leaves the log out instead of repeating it. */
  logShown?: boolean;
  timeoutMs?: number;
}

/**
 * Runs one build, passing each output line to onLine. A failure ends with shipline's summary
 * (step, Dockerfile line, reason, fix), after the log's tail only when the user has not seen the log.
 */
export async function runBuild(argv: readonly string[], options: RunBuildOptions): Promise<void> {
  // stdout and stderr interleaved as they arrive: the failed step is found in that order.
  let output = '';
  const result = await run(argv, {
    cwd: options.cwd,
    env: { ...process.env, BUILDKIT_PROGRESS: 'plain', ...options.env },
    nothrow: true,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    onLine: (line) => {
      output = `${output}${line}\n`.slice(-64_000);
      options.onLine?.(line);
    },
  });
  if (result.exitCode === 0) return;
  const why = result.timedOut
    ? `did not finish within ${options.timeoutMs! / 1000}s; its process tree was ended`
    : result.signal
      ? `was killed by ${result.signal}`
      : `exited with ${result.exitCode}`;
  const { message, hint } = summarizeBuildFailure(output, `${quoteArgv(argv)} ${why}`);
  const log = options.logShown ? '' : `the build log ended with:\n${tail(output, 20)}\n`;
  throw new ExternalError(`${log}${message}`, { hint });
}

/** shipline's summary of a failed build: the failed step, its Dockerfile line, the reason and a fix. */
export function summarizeBuildFailure(output: string, otherwise: string): { message: string; hint?: string } {
  const failed = failedStep(output);
  const explained = explainBuildFailure(output);
  if (!failed) {
    const reason = [...output.matchAll(/^ERROR: (.+)$/gm)].at(-1)?.[1]?.trim();
    return { message: reason ? `${otherwise}\n  reason: ${reason}` : otherwise, hint: explained };
  }
  const lines = [`the build failed at step ${failed.step}`];
  if (failed.where) lines.push(`  Dockerfile: ${failed.where}`);
  if (failed.reason) lines.push(`  reason: ${failed.reason}`);
  const at = failed.where ?? failed.step;
  return { message: lines.join('\n'), hint: explained ?? `correct the step at ${at} (its output is in the build log above), then build again` };
}

/** The step BuildKit reports as failed (` > [linux/amd64 2/3] RUN …:`) and why, from its plain progress log. */
export function failedStep(output: string): { step: string; where?: string; reason?: string } | undefined {
  const last = (pattern: RegExp) => [...output.matchAll(pattern)].map((m) => m[1]!.trim()).at(-1);
  const step = last(/^ > (\[[^\]]+\] .*?):?\s*$/gm);
  if (!step) return undefined;
  const where = last(/^(\S+:\d+)\n-{20}$/gm);
  const reason = last(/^ERROR: (?:failed to build: )?(?:failed to solve: )?(.+)$/gm);
  return { step, ...(where ? { where } : {}), ...(reason ? { reason } : {}) };
}

/** Turns BuildKit's most misleading messages into their real cause. */
export function explainBuildFailure(output: string): string | undefined {
  if (/server gave HTTP response to HTTPS client/.test(output)) {
    return 'the registry is plain HTTP: mark it insecure in buildkitd.toml, or the image is missing from it (BuildKit reports a 404 this way); check the FROM reference';
  }
  if (/exec format error/.test(output)) {
    return 'a RUN step for another architecture could not execute: register QEMU binfmt (qemu-user-static) or add a builder node of that platform';
  }
  if (/not found: not found|failed to resolve source metadata/.test(output)) {
    return 'a base image could not be found: check the FROM reference and that its registry is reachable';
  }
  return undefined;
}
