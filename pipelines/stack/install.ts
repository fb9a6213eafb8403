// Installs what the stack needs and a machine lacks: Debian packages through apt,
// Go programs built into the cache by scripts/stack/build-go-tools.sh.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../project-root.js';
import { commandExists, run } from '../adapters/process.js';
import { ExternalError } from '../errors.js';
import { cacheDir, versions } from './layout.js';

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

/** The packages of which at least one marker is absent. */
export async function packagesToInstall(
  wanted: readonly (readonly [string, string])[],
  present: (marker: string) => Promise<boolean>,
): Promise<Set<string>> {
  const missing = new Set<string>();
  for (const [pkg, marker] of wanted) if (!(await present(marker))) missing.add(pkg);
  return missing;
}

/** Installs each Debian package of which a marker (a command, or an absolute path) is missing. */
export async function ensureDebianPackages(wanted: Record<string, string> | readonly (readonly [string, string])[]): Promise<void> {
  const missing = await packagesToInstall(Array.isArray(wanted) ? wanted : Object.entries(wanted), (marker) =>
    marker.startsWith('/') ? Promise.resolve(existsSync(marker)) : commandExists(marker),
  );
  if (missing.size === 0) return;
  if (await aptListsEmpty()) await aptUpdate();
  const install = () =>
    run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...[...missing].sort()], {
      env: aptEnv(),
      timeoutMs: 900_000,
    });
  try {
    await install();
  } catch {
    await aptUpdate();
    await install().catch((error: unknown) => {
      throw new ExternalError(`cannot install Debian packages ${[...missing].join(', ')}`, { cause: error });
    });
  }
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

export type GoTool = 'buildkit' | 'buildx' | 'kube-apiserver' | 'kube-node' | 'istioctl' | 'kubeconform';

export async function buildGoTool(tool: GoTool): Promise<void> {
  await run(['bash', buildScript, tool], {
    env: {
      ...process.env,
      SHIPLINE_CACHE: cacheDir(),
      BUILDKIT_VERSION: versions.buildkit,
      BUILDX_VERSION: versions.buildx,
      KUBERNETES_VERSION: versions.kubernetes,
      ISTIOCTL_VERSION: versions.istioctl,
      KUBECONFORM_VERSION: versions.kubeconform,
    },
    timeoutMs: 45 * 60_000,
  }).catch((error: unknown) => {
    throw new ExternalError(`cannot build ${tool} from its Go module`, {
      cause: error,
      hint: 'check that the Go module proxy is reachable and `go version` is at least 1.26',
    });
  });
}
