// Installs what the stack needs and a machine lacks: Debian packages through apt,
// Go programs built into the cache by scripts/stack/build-go-tools.sh.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../project-root.js';
import { run } from '../adapters/process.js';
import { ExternalError } from '../errors.js';
import { cacheDir, paths, versions } from './layout.js';

const buildScript = join(projectRoot, 'scripts', 'stack', 'build-go-tools.sh');

function aptEnv(): NodeJS.ProcessEnv {
  return { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
}

let aptUpdated = false;
async function aptUpdate(): Promise<void> {
  if (aptUpdated) return;
  await run(['apt-get', 'update', '-qq'], { env: aptEnv(), timeoutMs: 600_000 });
  aptUpdated = true;
}

async function aptListsEmpty(): Promise<boolean> {
  try {
    return readdirSync('/var/lib/apt/lists').filter((f) => f.endsWith('_Packages')).length === 0;
  } catch {
    return true;
  }
}

/** The wanted packages that the package database does not list as installed ("ii"). */
export function packagesToInstall(wanted: Iterable<string>, dpkgStatus: string): string[] {
  const installed = new Set(
    dpkgStatus
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([, status]) => status?.startsWith('ii'))
      .map(([name]) => name?.replace(/:[a-z0-9]+$/, '')),
  );
  return [...new Set(wanted)].filter((pkg) => !installed.has(pkg)).sort();
}

/** Asks dpkg which of the packages are installed: lines of "name status". */
export async function dpkgStatus(packages: readonly string[]): Promise<string> {
  if (packages.length === 0) return '';
  // Unknown packages make dpkg-query exit 1 and say so on stderr; the known ones are still listed.
  const result = await run(['dpkg-query', '-W', '-f=${Package} ${db:Status-Abbrev}\n', ...packages], { nothrow: true });
  return result.stdout;
}

/** Every wanted Debian package the package database lacks, installed in one apt-get call. */
export async function ensureDebianPackages(wanted: readonly string[], log?: (line: string) => void): Promise<string[]> {
  const missing = packagesToInstall(wanted, await dpkgStatus([...new Set(wanted)]));
  if (missing.length === 0) return [];
  log?.(`installing Debian packages: ${missing.join(' ')}`);
  if (await aptListsEmpty()) await aptUpdate();
  const install = () =>
    run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing], {
      env: aptEnv(),
      timeoutMs: 900_000,
    });
  try {
    await install();
  } catch {
    await aptUpdate();
    await install().catch((error: unknown) => {
      throw new ExternalError(`cannot install Debian packages ${missing.join(', ')}`, { cause: error });
    });
  }
  const still = packagesToInstall(missing, await dpkgStatus(missing));
  if (still.length > 0) throw new ExternalError(`apt-get install left Debian packages not installed: ${still.join(', ')}`);
  return missing;
}

/** Downloads a Debian package for another architecture into dir; returns the .deb path. */
export async function downloadForeignDeb(pkg: string, arch: string, dir: string): Promise<string> {
  const found = () => readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith(`_${arch}.deb`));
  const existing = found();
  if (existing) return `${dir}/${existing}`;
  const archs = (await run(['dpkg', '--print-foreign-architectures'])).stdout.split(/\s+/);
  if (!archs.includes(arch)) {
    await run(['dpkg', '--add-architecture', arch]);
    aptUpdated = false;
  }
  const download = () => run(['apt-get', 'download', `${pkg}:${arch}`], { cwd: dir, timeoutMs: 300_000 });
  await download().catch(async () => {
    await aptUpdate();
    await download();
  });
  const deb = found();
  if (!deb) throw new ExternalError(`apt-get download ${pkg}:${arch} wrote no .deb into ${dir}`);
  return `${dir}/${deb}`;
}

/** The folder of MODULE@VERSION in the Go module cache, downloading it if needed. */
export async function goModuleDir(moduleAtVersion: string, cwd: string): Promise<string> {
  // A module that asks for a newer Go still downloads: `go` then reports an Error beside its Dir.
  const result = await run(['go', 'mod', 'download', '-json', moduleAtVersion], { cwd, timeoutMs: 600_000, nothrow: true });
  const info = JSON.parse(result.stdout || '{}') as { Dir?: string; Error?: string };
  if (!info.Dir || !existsSync(info.Dir)) {
    throw new ExternalError(`go mod download ${moduleAtVersion} gave no folder: ${info.Error ?? result.stderr.trim()}`);
  }
  return info.Dir;
}

export type GoTool = 'buildkit' | 'buildx' | 'kube-apiserver' | 'kube-node' | 'coredns' | 'traefik' | 'cosign' | 'istioctl' | 'kubeconform' | 'syft';

/** Where the stack reports what it is doing during a long start (set by stackUp). */
let progress: (line: string) => void = () => undefined;
export function onInstallProgress(log: (line: string) => void): void {
  progress = log;
}

export function goBuildLog(tool: GoTool): string {
  return join(paths.logs(), `build-${tool}.log`);
}

export async function buildGoTool(tool: GoTool): Promise<void> {
  const log = goBuildLog(tool);
  progress(`building ${tool} from its Go module (minutes on a first start); output in ${log}`);
  await run(['bash', buildScript, tool], {
    env: {
      BUILD_LOG: log,
      ...process.env,
      SHIPLINE_CACHE: cacheDir(),
      BUILDKIT_VERSION: versions.buildkit,
      BUILDX_VERSION: versions.buildx,
      KUBERNETES_VERSION: versions.kubernetes,
      COREDNS_VERSION: versions.coredns,
      TRAEFIK_VERSION: versions.traefik,
      COSIGN_VERSION: versions.cosign,
      ISTIOCTL_VERSION: versions.istioctl,
      KUBECONFORM_VERSION: versions.kubeconform,
      SYFT_VERSION: versions.syft,
    },
    timeoutMs: 45 * 60_000,
  }).catch((error: unknown) => {
    throw new ExternalError(`cannot build ${tool} from its Go module; see ${log}`, {
      cause: error,
      hint: 'check that the Go module proxy is reachable and `go version` is at least 1.26',
    });
  });
}
