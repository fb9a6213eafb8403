// The local stack as a whole: install what is missing, start in dependency order,
// report one line per part, and stop exactly what was started.
import { ExternalError, PreconditionError, ShiplineError } from '../errors.js';
import { ensureDebianPackages, onInstallProgress } from './install.js';
import { installKubeNode } from './kube-node.js';
import { networkLeftovers } from './leftovers.js';
import { paths } from './layout.js';
import type { Part, PartStatus } from './part.js';
import { baseImages } from './parts/base-images.js';
import { buildkitd } from './parts/buildkitd.js';
import { buildx } from './parts/buildx.js';
import { containerd } from './parts/containerd.js';
import { dockerd } from './parts/dockerd.js';
import { etcd } from './parts/etcd.js';
import { kubeApiserver } from './parts/kube-apiserver.js';
import { kubeControllerManager } from './parts/kube-controller-manager.js';
import { kubeScheduler } from './parts/kube-scheduler.js';
import { kubelet } from './parts/kubelet.js';
import { pauseImage } from './parts/pause-image.js';
import { coredns } from './parts/coredns.js';
import { kubeProxy } from './parts/kube-proxy.js';
import { podNetwork } from './parts/pod-network.js';
import { prometheus } from './parts/prometheus.js';
import { traefik } from './parts/traefik.js';
import { qemu } from './parts/qemu.js';
import { registry } from './parts/registry.js';
import { sbomScanner } from './parts/sbom-scanner.js';

/**
 * In start order; `down` walks it backwards (DNS and kube-proxy, kubelet, containerd
 * with the pods' shims and network namespaces, then the bridge). The pause image needs
 * buildx, so the node parts come after the base images.
 */
export const parts: readonly Part[] = [
  qemu, registry, dockerd, etcd, kubeApiserver, buildkitd, buildx, baseImages, sbomScanner,
  kubeControllerManager, kubeScheduler, pauseImage, podNetwork, containerd, kubelet, kubeProxy, coredns, traefik, prometheus,
];

const nameWidth = Math.max(15, ...parts.map((p) => p.name.length + 1));

export type Log = (line: string) => void;

function inPart(part: Part, error: unknown): Error {
  if (error instanceof ShiplineError) {
    if (error.message.startsWith(part.name)) return error;
    const Kind = error instanceof PreconditionError ? PreconditionError : ExternalError;
    return new Kind(`${part.name}: ${error.message}`, { hint: error.hint, cause: error });
  }
  return new ExternalError(`${part.name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

export async function stackUp(log: Log): Promise<void> {
  const packages = [...parts.flatMap((p) => p.debianPackages ?? []), ...testDebianPackages];
  try {
    await ensureDebianPackages(packages, log);
  } catch (error) {
    throw inPart({ name: 'debian-packages' } as Part, error);
  }
  const stackStarted = Date.now();
  for (const part of parts) {
    const started = Date.now();
    const elapsed = () => formatElapsed(Date.now() - started);
    onInstallProgress((line) => log(`${part.name.padEnd(nameWidth)} ${line}`));
    // A first start builds for minutes: say every 30 s that the part is still at it.
    const heartbeat = setInterval(() => log(`${part.name.padEnd(nameWidth)} still starting (${elapsed()})`), 30_000);
    try {
      await part.install?.();
      await part.start();
    } catch (error) {
      throw inPart(part, error);
    } finally {
      clearInterval(heartbeat);
      onInstallProgress(() => undefined);
    }
    log(`${part.name.padEnd(nameWidth)} up (${elapsed()})`);
  }
  log(`${'stack'.padEnd(nameWidth)} up in ${formatElapsed(Date.now() - stackStarted)}`);
}

export function formatElapsed(ms: number): string {
  const s = Math.round(ms / 100) / 10;
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

/** Debian packages of the benchmarks' peer tools (kubectl is built with the node tools), and curl for the registry's intake floor. */
export const benchDebianPackages = ['hyperfine', 'skopeo', 'curl'] as const;
/**
 * Debian packages the tests use besides the parts' own: zstd checks that compressed bundles
 * stay standard; zsh and fish run the completion scripts for real; chromium opens the release
 * report in the browser tests (driven by playwright-core, which downloads no browser).
 */
export const testDebianPackages = ['zstd', 'zsh', 'fish', 'chromium'] as const;

/** Every Debian package the stack and the benchmarks install, by part. */
export function debianPackagesByPart(): Record<string, readonly string[]> {
  return {
    ...Object.fromEntries(parts.filter((p) => p.debianPackages?.length).map((p) => [p.name, p.debianPackages!])),
    tests: testDebianPackages,
    benchmarks: benchDebianPackages,
  };
}

export async function ensureBenchTools(log: Log): Promise<void> {
  await ensureDebianPackages(benchDebianPackages, log);
  await installKubeNode();
}

export async function stackDown(log: Log): Promise<void> {
  for (const part of [...parts].reverse()) {
    await part.stop();
    log(`${part.name.padEnd(nameWidth)} stopped`);
  }
  const left = await networkLeftovers();
  if (left.length > 0) {
    throw new ExternalError(`stack down left behind: ${left.join('; ')}`, { hint: 'run `stack down` again; report it if it stays' });
  }
}

export async function stackStatus(): Promise<{ parts: PartStatus[]; kubeconfig: string }> {
  const statuses: PartStatus[] = [];
  for (const part of parts) {
    statuses.push(await part.status().catch((error: unknown) => ({
      name: part.name, version: '-', address: '-', up: false, note: String(error),
    })));
  }
  return { parts: statuses, kubeconfig: paths.kubeconfig() };
}

/**
 * One line per part: name, version and state in columns as wide as their widest value (versions
 * such as 20.10.24+dfsg1 included), then the address and any note, which vary too much to align.
 */
export function formatStatus(status: { parts: PartStatus[]; kubeconfig: string }): string {
  const rows = status.parts.map((p) => [p.name, p.version, p.up ? 'up' : 'down', p.address, p.note ? `(${p.note})` : '']);
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd());
  return [...lines, `kubeconfig ${status.kubeconfig}`].join('\n');
}
