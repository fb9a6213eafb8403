// `bundle import --docker`: for a host with a Docker Engine and no registry (edge boxes, CI
// runners). The bundle is checked whole (every checksum; the signature with a key), every image
// is found for the Engine's platform, and only then is each loaded, tagged as in the bundle.
import type { KeyObject } from 'node:crypto';
import { dockerEngine, engineVersion, inspectImage, loadImage, type EngineOptions } from '../adapters/docker.js';
import { ExternalError, InputError, PreconditionError, type ShiplineError } from '../errors.js';
import { checkEveryFile, untrustedUnlessMatching } from './checksums.js';
import { dockerLoadStream, platformManifest } from './docker-load.js';
import { openArchive } from './open.js';
import { parseImageName } from '../model/image-ref.js';

export interface DockerImportOptions {
  file: string;
  /** NAME:TAG for a plain OCI layout tarball; renames the image of a one-image bundle. */
  image?: string;
  key?: KeyObject;
  /** The platform to load; default the Engine's own. */
  platform?: string;
  engine?: EngineOptions;
  log?: (line: string) => void;
}

export interface LoadedImage {
  name: string;
  platform: string;
  /** The image ID the Engine gave it (sha256 of its config). */
  id: string;
}

/** The Engine's platform, or a precondition failure naming it when it does not answer. */
async function enginePlatform(options: EngineOptions): Promise<{ docker: Awaited<ReturnType<typeof dockerEngine>>; platform: string }> {
  const docker = await dockerEngine(options);
  try {
    return { docker, platform: (await engineVersion(docker, options.timeoutMs)).platform };
  } catch (error) {
    throw new PreconditionError(`${(error as Error).message}; nothing was loaded`, { hint: (error as ShiplineError).hint ?? 'start dockerd, or point DOCKER_HOST at a running Engine' });
  }
}

/** A bundle's platform for an Engine's: the same, or the same with a variant (linux/arm64/v8). */
function matchingPlatform(platforms: string[], wanted: string): string {
  return platforms.find((p) => p === wanted) ?? platforms.find((p) => p.startsWith(`${wanted}/`)) ?? wanted;
}

export async function importIntoDocker(options: DockerImportOptions): Promise<LoadedImage[]> {
  const log = options.log ?? (() => undefined);
  if (options.platform !== undefined && !/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(options.platform)) {
    throw new InputError(`--platform ${options.platform}: expected OS/ARCH[/VARIANT]`, { hint: 'e.g. --platform linux/arm64' });
  }
  const archive = await untrustedUnlessMatching(options.key, options.file, async () => {
    const opened = await openArchive(options.file, options.image, { key: options.key, checksums: true });
    await checkEveryFile(opened);
    return opened;
  });
  log(`${options.key ? 'signature and ' : ''}every checksum of ${options.file} check out`);
  if (archive.kind === 'oci-layout' && !options.image) {
    throw new InputError(`${options.file} is an OCI layout tarball, not a bundle: it needs a name`, { hint: 'pass --image REPOSITORY:TAG, e.g. --image modco/link:20240126' });
  }
  if (archive.kind === 'bundle' && options.image) {
    if (archive.images.length !== 1) throw new InputError(`--image renames the image of a one-image bundle; ${options.file} holds ${archive.images.length}`, { hint: 'leave out --image' });
    parseImageName(options.image, '--image');
    archive.images[0] = { ...archive.images[0]!, name: options.image };
  }
  const engine = options.engine ?? {};
  const { docker, platform: enginePlatformName } = await enginePlatform(engine);
  const wanted = options.platform ?? enginePlatformName;
  // Every image is checked for the platform before the first is loaded.
  const planned = archive.images.map((image) => {
    const platform = matchingPlatform(image.image.platforms.map((p) => p.platform), wanted);
    return { image, platform, manifest: platformManifest(options.file, image, platform) };
  });
  const loaded: LoadedImage[] = [];
  for (const { image, platform, manifest } of planned) {
    const said = await loadImage(docker, dockerLoadStream(archive, image, manifest, image.name), { timeoutMs: Math.max(engine.timeoutMs ?? 0, 300_000) });
    const { id } = await inspectImage(docker, image.name, engine.timeoutMs);
    if (id !== manifest.config.digest) {
      throw new ExternalError(`Docker Engine: ${image.name} is ${id} after the load, not ${manifest.config.digest} from the bundle`);
    }
    log(`loaded ${image.name} (${platform})${said.length ? `: ${said.join(', ')}` : ''}`);
    loaded.push({ name: image.name, platform, id });
  }
  return loaded;
}
