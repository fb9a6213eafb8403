// One platform of an image in a bundle (or a plain OCI layout tarball), streamed as a
// `docker load` archive (dockerArchiveEntries) straight from the tar: every blob checked
// against its digest as it goes, so the Engine never receives bytes the bundle did not sign.
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Pack } from 'tar-stream';
import type { ImageManifest } from '../adapters/registry.js';
import { DigestCheck } from '../adapters/registry/digest-check.js';
import { InputError } from '../errors.js';
import { dockerArchiveEntries } from './docker-archive.js';
import { blobPath } from './oci-layout.js';
import type { OpenedArchive, OpenedImage } from './open.js';
import { openEntry } from './tar-index.js';

/** The platforms an image holds, e.g. ["linux/amd64", "linux/arm64"]. */
export function imagePlatforms(image: OpenedImage): string[] {
  return image.image.platforms.map((p) => p.platform);
}

/** The image manifest of one platform; bad input naming the platforms there are when it is missing. */
export function platformManifest(file: string, image: OpenedImage, platform: string): ImageManifest {
  const entry = image.image.platforms.find((p) => p.platform === platform);
  if (!entry) {
    throw new InputError(`${file}: image ${image.name} has no ${platform} image (it has ${imagePlatforms(image).join(', ') || 'none'}); nothing was loaded`, {
      hint: `pass --platform with one of ${imagePlatforms(image).join(', ')}, or load it on an Engine of such a platform`,
    });
  }
  const blob = [image.image.root, ...image.image.children].find((m) => m.descriptor.digest === entry.digest);
  if (!blob) throw new InputError(`${file}: the ${platform} manifest ${entry.digest} of ${image.name} is missing`, { hint: 'recreate the bundle with `shipline bundle create`' });
  return JSON.parse(blob.raw.toString('utf8')) as ImageManifest;
}

const header = (name: string, size: number) => ({ name, size, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, type: 'file' as const });

function entry(pack: Pack, name: string, size: number, data: Buffer | Readable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    if (Buffer.isBuffer(data)) pack.entry(header(name, size), data, done);
    else pipeline(data, pack.entry(header(name, size), done)).catch(reject);
  });
}

/**
 * The archive `docker load` reads, tagged `name`, for one platform. A blob that does not match
 * its digest fails the stream (and so the load) before its last bytes reach the Engine.
 */
export function dockerLoadStream(archive: OpenedArchive, image: OpenedImage, manifest: ImageManifest, name: string): Readable {
  const out = new PassThrough();
  const pack = tarPack();
  const prefix = image.layout ? `${image.layout}/` : '';
  void (async () => {
    for (const e of dockerArchiveEntries(name, manifest)) {
      if (e.source.kind === 'bytes') {
        await entry(pack, e.path, e.size, e.source.data);
        continue;
      }
      const path = `${prefix}${blobPath(e.source.digest)}`;
      const tarEntry = archive.index.files.get(path);
      if (!tarEntry) throw new InputError(`${archive.index.file}: ${path} is not in the bundle (a differential bundle leaves blobs at the site)`, { hint: 'load a full bundle, or import this one into the registry that holds its base' });
      const check = new DigestCheck(e.source.digest, e.size, `${archive.index.file}: ${path}`);
      void pipeline(openEntry(archive.index, tarEntry), check).catch((error: unknown) => check.destroy(error as Error));
      await entry(pack, e.path, e.size, check);
    }
    pack.finalize();
  })().catch((error: unknown) => {
    pack.destroy(error as Error);
    out.destroy(error as Error);
  });
  pack.pipe(out);
  return out;
}
