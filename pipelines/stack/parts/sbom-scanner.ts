// BuildKit's SBOM generator for builds on the stack: the base image plus syft (built from its
// Go module) and scripts/stack/sbom-scan.sh, which speaks BuildKit's scanner protocol. No
// public registry is reachable, so docker/buildkit-syft-scanner cannot be pulled; this image
// is pushed to the local registry and named by `--sbom=generator=...`.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../project-root.js';
import { run } from '../../adapters/process.js';
import { ExternalError } from '../../errors.js';
import { buildGoTool } from '../install.js';
import { baseImageRef, builderName, paths, registryAddress, sbomScannerRef, versions } from '../layout.js';
import type { Part, PartStatus } from '../part.js';
import { httpGet } from '../probe.js';

/** BuildKit runs the scanner on the build's own platform, the machine's. */
export const scannerPlatform = `linux/${process.arch === 'arm64' ? 'arm64' : 'amd64'}`;
const dir = () => join(paths.state(), 'sbom-scanner');

const manifestAccept = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

async function published(): Promise<boolean> {
  const [repo, tag] = sbomScannerRef.slice(registryAddress.length + 1).split(':');
  const res = await httpGet(`http://${registryAddress}/v2/${repo}/manifests/${tag}`, { headers: { accept: manifestAccept } });
  return res.status === 200;
}

/** The scanner image's Dockerfile: no shell string reaches BuildKit but the entry point's argv. */
export function scannerDockerfile(base: string): string {
  return [
    `FROM ${base}`,
    'COPY syft /usr/bin/syft',
    'COPY sbom-scan.sh /usr/bin/sbom-scan',
    // BuildKit mounts a tmpfs at /tmp; syft keeps its cache and temporary files there.
    'ENV SYFT_CHECK_FOR_APP_UPDATE=false TMPDIR=/tmp HOME=/tmp XDG_CACHE_HOME=/tmp',
    'ENTRYPOINT ["/usr/bin/sbom-scan"]',
    '',
  ].join('\n');
}

async function build(): Promise<void> {
  const context = join(dir(), 'context');
  mkdirSync(context, { recursive: true });
  copyFileSync(paths.syft(), join(context, 'syft'));
  copyFileSync(join(projectRoot, 'scripts', 'stack', 'sbom-scan.sh'), join(context, 'sbom-scan.sh'));
  writeFileSync(join(context, 'Dockerfile'), scannerDockerfile(baseImageRef));
  await run(
    ['docker', 'buildx', 'build', '--builder', builderName, '--platform', scannerPlatform,
      '--provenance=false', '--sbom=false', '-t', sbomScannerRef, '--push', context],
    { timeoutMs: 600_000 },
  );
}

export const sbomScanner: Part = {
  name: 'sbom-scanner',
  async install() {
    if (!existsSync(paths.syft())) await buildGoTool('syft');
  },
  async start() {
    if (await published().catch(() => false)) return;
    await build();
    if (!(await published())) throw new ExternalError(`sbom-scanner: ${sbomScannerRef} was pushed but the registry does not serve it`);
  },
  async stop() {},
  async status(): Promise<PartStatus> {
    const up = await published().catch(() => false);
    return {
      name: this.name,
      version: `syft ${versions.syft}`,
      address: sbomScannerRef,
      up,
      note: up ? undefined : 'not in the local registry',
    };
  },
};
