// Opens a bundle or a plain OCI layout tarball for verify and import: indexes it (rejecting
// unsafe entries), checks bundle.json against the files, and reads every image's manifests.
import { InputError } from '../errors.js';
import { sha256 } from '../adapters/registry.js';
import type { BundleJson } from './bundle-json.js';
import type { KeyObject } from 'node:crypto';
import { bundleJsonName, signatureName } from './names.js';
import { stripInline, tarLayoutReader } from './layout-source.js';
import { blobPath, layoutRoot, readLayoutImage, withInlineRoot, type LayoutImage } from './oci-layout.js';
import { parseImageName, plainRepository } from './refs.js';
import { indexTar, readEntry, type TarIndex } from './tar-index.js';

export interface OpenedImage {
  name: string;
  repository: string;
  tag: string;
  image: LayoutImage;
  /** Folder of the OCI layout in the tar ("" for a plain layout tarball). */
  layout: string;
}

export interface OpenedArchive {
  kind: 'bundle' | 'oci-layout';
  index: TarIndex;
  bundle?: BundleJson;
  images: OpenedImage[];
  manifests: { path: string; text: string }[];
  /** bundle.json as stored (the signed payload) and its signature, if any. */
  bundleJsonRaw?: Buffer;
  signature?: Buffer;
}

export interface OpenOptions {
  /** Public key that must have signed bundle.json: checked before anything else is read. */
  key?: KeyObject;
}

const recreate = 'recreate the bundle with `shipline bundle create`';

/** Checks bundle.json's file list against the tar: same files, same sizes, small files' sha256. */
async function checkFileList(index: TarIndex, bundle: BundleJson): Promise<void> {
  const where = index.file;
  for (const [path, { sha256: sum, size }] of Object.entries(bundle.files)) {
    const entry = index.files.get(path);
    if (!entry) throw new InputError(`${where}: ${bundleJsonName} lists ${path}, which is missing from the bundle`, { hint: recreate });
    if (entry.size !== size) throw new InputError(`${where}: ${path} has ${entry.size} bytes, ${bundleJsonName} says ${size}`, { hint: recreate });
    const blobName = /\/blobs\/sha256\/([a-f0-9]{64})$/.exec(path)?.[1];
    if (blobName && sum !== `sha256:${blobName}`) throw new InputError(`${where}: ${bundleJsonName} files["${path}"].sha256 is ${sum}, not the blob's digest`, { hint: recreate });
    if (!blobName && !path.startsWith('docker/')) {
      const actual = sha256(await readEntry(index, entry));
      if (actual !== sum) throw new InputError(`${where}: ${path} does not match its checksum in ${bundleJsonName} (${actual} ≠ ${sum})`, { hint: recreate });
    }
  }
  for (const name of index.files.keys()) {
    if (name !== bundleJsonName && name !== signatureName && !bundle.files[name]) throw new InputError(`${where}: ${name} is in the bundle but not listed in ${bundleJsonName}`, { hint: recreate });
  }
}

async function openBundle(index: TarIndex, raw: Buffer, signature: Buffer | undefined): Promise<OpenedArchive> {
  const { parseBundleJson } = await import('./bundle-json.js');
  const bundle = parseBundleJson(raw, index.file);
  await checkFileList(index, bundle);
  const inTar = tarLayoutReader(index, bundle.layout);
  // A differential bundle's left-out blobs are at the site, not in the tar.
  const leftOut = new Set(bundle.base?.blobs.map((b) => blobPath(b.digest)));
  const reader = { ...inTar, has: (path: string) => inTar.has(path) || leftOut.has(path) };
  const images: OpenedImage[] = [];
  for (const [i, img] of bundle.images.entries()) {
    const field = `${bundleJsonName}: images[${i}] (${img.name})`;
    if (!reader.has(blobPath(img.digest))) {
      throw new InputError(`${index.file}: ${field} names ${img.digest}, which is not in the bundle's image layout`, { hint: recreate });
    }
    const image = await readLayoutImage(reader, { mediaType: img.mediaType, digest: img.digest, size: img.size }, img.name);
    for (const p of img.platforms) {
      if (!image.platforms.some((q) => q.digest === p.digest && q.platform === p.platform)) {
        throw new InputError(`${index.file}: ${field}.platforms: ${p.platform} ${p.digest} is not in the image index`, { hint: recreate });
      }
    }
    images.push({ name: img.name, repository: img.repository, tag: img.tag, image, layout: bundle.layout });
  }
  const manifests = [];
  for (const path of bundle.manifests) {
    const entry = index.files.get(path);
    if (!entry) throw new InputError(`${index.file}: ${bundleJsonName} lists manifest ${path}, which is missing`, { hint: recreate });
    manifests.push({ path, text: (await readEntry(index, entry)).toString('utf8') });
  }
  return { kind: 'bundle', index, bundle, images, manifests, bundleJsonRaw: raw, signature };
}

/** A bundle, or a plain OCI layout tarball (which then needs `name`, e.g. from --image). */
export async function openArchive(file: string, name?: string, options: OpenOptions = {}): Promise<OpenedArchive> {
  const index = await indexTar(file);
  const bundleEntry = index.files.get(bundleJsonName);
  const signatureEntry = index.files.get(signatureName);
  const signature = signatureEntry ? await readEntry(index, signatureEntry) : undefined;
  if (options.key) {
    const { SignatureError, verifyPayload } = await import('./signing.js');
    if (!bundleEntry) throw new SignatureError(`${file} is not a signed bundle (it has no ${bundleJsonName})`, { hint: 'only bundles made with `bundle create --sign-key` can be checked with --key' });
    if (!signature) throw new SignatureError(`${file} is not signed (no ${signatureName})`, { hint: 'ask for a bundle made with `bundle create --sign-key`, or leave out --key if an unsigned bundle is acceptable' });
    verifyPayload(await readEntry(index, bundleEntry), signature, options.key, `${file}: ${signatureName}`);
  }
  if (bundleEntry) return openBundle(index, await readEntry(index, bundleEntry), signature);
  const reader = tarLayoutReader(index, '');
  const root = await layoutRoot(reader);
  const ref = name ? parseImageName(name, '--image') : undefined;
  const image = await readLayoutImage(withInlineRoot(reader, root), stripInline(root), name ?? 'in the layout');
  const repository = ref ? plainRepository(ref) : '';
  return { kind: 'oci-layout', index, images: [{ name: name ?? '(unnamed)', repository, tag: ref?.tag ?? '', image, layout: '' }], manifests: [] };
}
