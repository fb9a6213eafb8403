// Base images for linux/amd64 and linux/arm64 made from Debian packages (busybox-static
// and the musl runtime), pushed to the local registry so Dockerfiles build offline.
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../adapters/process.js';
import { ExternalError } from '../../errors.js';
import { downloadForeignDeb } from '../install.js';
import { baseImageRef, baseImageRepository, builderName, paths, registryAddress, versions } from '../layout.js';
import type { Part, PartStatus } from '../part.js';
import { RegistryClient, type ImageIndex } from '../../adapters/registry.js';

const arches = { amd64: 'linux/amd64', arm64: 'linux/arm64' } as const;
type Arch = keyof typeof arches;
const debs = ['busybox-static', 'musl'] as const;
const dir = () => join(paths.state(), 'base-image');

/** The platforms of the base image's index in the local registry, or [] if absent. */
export async function publishedPlatforms(): Promise<string[]> {
  const repo = baseImageRepository.slice(registryAddress.length + 1);
  const index = await new RegistryClient(registryAddress).manifest<ImageIndex>(repo, versions.baseImage);
  return (index?.body.manifests ?? []).flatMap((m) => (m.platform ? [`${m.platform.os}/${m.platform.architecture}`] : []));
}

async function makeRootfs(arch: Arch, debDir: string, appletNames: string[]): Promise<void> {
  const rootfs = join(dir(), 'context', `rootfs-${arch}`);
  rmSync(rootfs, { recursive: true, force: true });
  mkdirSync(rootfs, { recursive: true });
  for (const pkg of debs) {
    const deb = await downloadForeignDeb(pkg, arch, debDir);
    await run(['dpkg-deb', '-x', deb, rootfs]);
  }
  rmSync(join(rootfs, 'usr', 'share'), { recursive: true, force: true });
  for (const sub of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'tmp', 'root', 'www']) {
    mkdirSync(join(rootfs, sub), { recursive: true });
  }
  for (const applet of appletNames) {
    const link = join(rootfs, applet);
    if (applet === 'bin/busybox' || existsSync(link)) continue;
    symlinkSync('/bin/busybox', link);
  }
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
}

export const baseImages: Part = {
  name: 'base-images',
  debianPackages: ['busybox-static', 'dpkg-dev'],
  async start() {
    const have: string[] = await publishedPlatforms().catch(() => []);
    if (Object.values(arches).every((p) => have.includes(p))) return;
    const debDir = join(dir(), 'debs');
    mkdirSync(debDir, { recursive: true });
    const applets = (await run(['/bin/busybox', '--list-full'])).stdout.split('\n').filter(Boolean);
    for (const arch of Object.keys(arches) as Arch[]) await makeRootfs(arch, debDir, applets);
    writeFileSync(
      join(dir(), 'context', 'Dockerfile'),
      'FROM scratch\nARG TARGETARCH\nCOPY rootfs-${TARGETARCH}/ /\nENV PATH=/usr/sbin:/usr/bin:/sbin:/bin\nCMD ["/bin/sh"]\n',
    );
    await run(
      [
        'docker', 'buildx', 'build', '--builder', builderName,
        '--platform', Object.values(arches).join(','),
        '--provenance=false', '-t', baseImageRef, '--push', join(dir(), 'context'),
      ],
      { timeoutMs: 600_000 },
    );
    const now = await publishedPlatforms();
    if (!Object.values(arches).every((p) => now.includes(p))) {
      throw new ExternalError(`base-images: ${baseImageRef} was pushed but lists only ${now.join(', ') || 'nothing'}`);
    }
  },
  async stop() {},
  async status(): Promise<PartStatus> {
    const platforms: string[] = await publishedPlatforms().catch(() => []);
    const up = Object.values(arches).every((p) => platforms.includes(p));
    return {
      name: this.name,
      version: versions.baseImage,
      address: `${baseImageRef} ${platforms.join(',')}`.trim(),
      up,
      note: up ? undefined : 'not in the local registry',
    };
  },
};
