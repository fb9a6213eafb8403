// The pod sandbox ("pause") image for the stack's containerd, made from Kubernetes' own
// build/pause/linux/pause.c compiled statically for amd64 and arm64 and pushed to the
// local registry, since no public registry is reachable.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../adapters/process.js';
import { ExternalError } from '../../errors.js';
import { builderName, pauseImageRef, paths, registryAddress, versions } from '../layout.js';
import type { Part, PartStatus } from '../part.js';
import { RegistryClient, type ImageIndex } from '../../adapters/registry.js';

const compilers = { amd64: 'musl-gcc', arm64: 'aarch64-linux-gnu-gcc' } as const;
type Arch = keyof typeof compilers;
const platforms = ['linux/amd64', 'linux/arm64'];
const dir = () => join(paths.state(), 'pause-image');

/** The platforms of an image index in the local registry, or [] if absent. */
async function indexPlatforms(ref: string): Promise<string[]> {
  const [repo, tag] = ref.slice(registryAddress.length + 1).split(':');
  const index = await new RegistryClient(registryAddress).manifest<ImageIndex>(repo!, tag!);
  return (index?.body.manifests ?? []).flatMap((m) => (m.platform ? [`${m.platform.os}/${m.platform.architecture}`] : []));
}

/** pause.c from the k8s.io/kubernetes module zip, downloaded into the Go module cache. */
async function pauseSource(): Promise<string> {
  const module = `k8s.io/kubernetes@${versions.kubernetes}`;
  const out = (await run(['go', 'mod', 'download', '-json', module], { cwd: dir(), timeoutMs: 600_000 })).stdout;
  const moduleDir = (JSON.parse(out) as { Dir?: string }).Dir;
  const source = moduleDir && join(moduleDir, 'build', 'pause', 'linux', 'pause.c');
  if (!source || !existsSync(source)) throw new ExternalError(`pause-image: no build/pause/linux/pause.c in ${module}`);
  return source;
}

async function build(): Promise<void> {
  const context = join(dir(), 'context');
  mkdirSync(context, { recursive: true });
  const source = await pauseSource();
  copyFileSync(source, join(context, 'pause.c'));
  for (const [arch, cc] of Object.entries(compilers) as [Arch, string][]) {
    // The flags of build/pause/Makefile, plus -s: a static binary with nothing to load.
    await run([cc, '-Os', '-Wall', '-Werror', '-static', '-s', `-DVERSION=v${versions.pause}-shipline`,
      '-o', join(context, `pause-${arch}`), source]);
  }
  writeFileSync(
    join(context, 'Dockerfile'),
    'FROM scratch\nARG TARGETARCH\nCOPY pause-${TARGETARCH} /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n',
  );
  await run(
    ['docker', 'buildx', 'build', '--builder', builderName, '--platform', platforms.join(','),
      '--provenance=false', '-t', pauseImageRef, '--push', context],
    { timeoutMs: 600_000 },
  );
}

export const pauseImage: Part = {
  name: 'pause-image',
  debianPackages: ['musl-tools', 'gcc-aarch64-linux-gnu', 'libc6-dev-arm64-cross'],
  async start() {
    const have: string[] = await indexPlatforms(pauseImageRef).catch(() => []);
    if (platforms.every((p) => have.includes(p))) return;
    mkdirSync(dir(), { recursive: true });
    await build();
    const now = await indexPlatforms(pauseImageRef);
    if (!platforms.every((p) => now.includes(p))) {
      throw new ExternalError(`pause-image: ${pauseImageRef} was pushed but lists only ${now.join(', ') || 'nothing'}`);
    }
  },
  async stop() {},
  async status(): Promise<PartStatus> {
    const have: string[] = await indexPlatforms(pauseImageRef).catch(() => []);
    const up = platforms.every((p) => have.includes(p));
    return {
      name: this.name,
      version: versions.pause,
      address: `${pauseImageRef} ${have.join(',')}`.trim(),
      up,
      note: up ? undefined : 'not in the local registry',
    };
  },
};
