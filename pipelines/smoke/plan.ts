// The smoke run before the cluster, as plain data: which image (pulled by digest from the
// registry, or loaded from the build's OCI tarball), for which platform, probed where, for how
// long. Pure: the Engine's own platform is a parameter.
import type { LoadedConfig } from '../config/load.js';
import { rolloutConfig } from '../config/rollout.js';

export type SmokeSource = { kind: 'registry'; reference: string } | { kind: 'oci'; file: string; name: string };

export interface SmokePlan {
  source: SmokeSource;
  platform: string;
  /**
   * The port the service listens on inside its container: rollout.gates.http.port, else the
   * generated Deployment's port; with the service's own manifests, undefined: the image's EXPOSE.
   */
  port?: number;
  /** rollout.gates.http.path: must answer 2xx; without it any HTTP answer on the port will do. */
  path?: string;
  timeoutMs: number;
}

export const defaultSmokeTimeoutMs = 30_000;

export interface SmokeRequest {
  loaded: LoadedConfig;
  /** repository@sha256:… of the pushed image, if it was pushed. */
  pinned?: string;
  /** The build's OCI layout tarball, if it wrote one (used when nothing was pushed). */
  ociPath?: string;
  /** The name the image gets in the Engine when it is loaded from the OCI tarball. */
  ociName: string;
  /** --smoke-platform, else the Engine's own. */
  platform: string;
  timeoutMs?: number;
}

/** Undefined when there is nothing to run: neither pushed nor written as an OCI tarball. */
export function planSmoke(request: SmokeRequest): SmokePlan | undefined {
  const rollout = rolloutConfig(request.loaded);
  const source: SmokeSource | undefined = request.pinned
    ? { kind: 'registry', reference: request.pinned }
    : request.ociPath
      ? { kind: 'oci', file: request.ociPath, name: request.ociName }
      : undefined;
  if (!source) return undefined;
  return {
    source,
    platform: request.platform,
    port: rollout.gates.http?.port ?? (rollout.workload.manifests ? undefined : rollout.workload.port),
    path: rollout.gates.http?.path,
    timeoutMs: request.timeoutMs ?? defaultSmokeTimeoutMs,
  };
}

/** One line for a dry run or a log: what the smoke run does. */
export function describeSmoke(plan: SmokePlan): string {
  const from = plan.source.kind === 'registry' ? `pull ${plan.source.reference}` : `load ${plan.source.name} from ${plan.source.file}`;
  const port = plan.port === undefined ? 'the port it EXPOSEs' : `port ${plan.port}`;
  const probe = plan.path ? `until ${port} answers and ${plan.path} returns 2xx` : `until ${port} answers`;
  return `smoke run (${plan.platform}): ${from}, run it with no network, probe ${probe} from inside its network namespace (${plan.timeoutMs / 1000} s at most), then remove it`;
}
