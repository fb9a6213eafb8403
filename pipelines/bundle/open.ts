// Opens a bundle or a plain OCI layout tarball for verify, inspect and import: one pass that
// decodes every frame and reads every header (rejecting unsafe or ambiguous entries and any
// byte not accounted for), then the signature over the very bytes of bundle.json that are
// parsed, bundle.json against the files (the same set, sizes and checksums), and every
// image's manifests.
import { InputError } from '../errors.js';
import { sha256 } from '../adapters/registry/types.js';
import type { BundleJson } from './bundle-json.js';
import type { KeyObject } from 'node:crypto';
import { bundleJsonName, signatureName } from './names.js';
import { stripInline, tarLayoutReader } from './layout-source.js';
import { blobPath, layoutRoot, readLayoutImage, withInlineRoot, type LayoutImage } from './oci-layout.js';
import { parseImageName, plainRepository } from '../model/image-ref.js';
import { indexTar, readEntry, type TarIndex } from './tar-index.js';
import { assertBundleEntryTypes } from './tar-safety.js';

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
  /** Public key that must have signed bundle.json: checked before anything in it is used. */
  key?: KeyObject;
  /** Hash every file in the pass and compare it with bundle.json (or each blob's name). */
  checksums?: boolean;
}

const recreate = 'recreate the bundle with `shipline bundle create`';

/**
 * Checks bundle.json's file list against the tar: the regular files are exactly the listed
 * ones (plus bundle.json and its signature), with the listed sizes; the small ones, or
 * with a hashed index every one, match their checksums.
 */
async function checkFileList(index: TarIndex, bundle: BundleJson): Promise<void> {
  const where = index.file;
  for (const [path, { sha256: sum, size }] of Object.entries(bundle.files)) {
    if (path === bundleJsonName || path === signatureName) throw new InputError(`${where}: ${bundleJsonName} lists ${path} among its files`, { hint: recreate });
    const entry = index.files.get(path);
    if (!entry) throw new InputError(`${where}: ${bundleJsonName} lists ${path}, which is missing from the bundle`, { hint: recreate });
    if (entry.size !== size) throw new InputError(`${where}: ${path} has ${entry.size} bytes, ${bundleJsonName} says ${size}`, { hint: recreate });
    const blobName = /\/blobs\/sha256\/([a-f0-9]{64})$/.exec(path)?.[1];
    if (blobName && sum !== `sha256:${blobName}`) throw new InputError(`${where}: ${bundleJsonName} files["${path}"].sha256 is ${sum}, not the blob's digest`, { hint: recreate });
    if (entry.sha256 === undefined && !blobName && !path.startsWith('docker/')) entry.sha256 = sha256(await readEntry(index, entry));
    if (entry.sha256 !== undefined && entry.sha256 !== sum) {
      const what = blobName ? `blob ${sum} (${path})` : path;
      throw new InputError(`${where}: ${what} does not match its digest in ${bundleJsonName}: its content hashes to ${entry.sha256}`, { hint: 'the file is corrupted; recreate it or copy it again' });
    }
  }
  for (const [name, entry] of index.files) {
    if (name !== bundleJsonName && name !== signatureName && !bundle.files[name]) {
      throw new InputError(`${where}: tar entry "${entry.name}" is rejected: it is in the bundle but not listed in ${bundleJsonName}`, { hint: recreate });
    }
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
  const index = await indexTar(file, { hash: options.checksums ?? false });
  const bundleEntry = index.files.get(bundleJsonName);
  const signatureEntry = index.files.get(signatureName);
  if (bundleEntry) assertBundleEntryTypes(file, index.entries);
  // Kept by the pass: the bytes whose signature is checked are the bytes parsed.
  const raw = bundleEntry ? await readEntry(index, bundleEntry) : undefined;
  const signature = signatureEntry ? await readEntry(index, signatureEntry) : undefined;
  if (options.key) {
    const { SignatureError, verifyPayload } = await import('./signing.js');
    if (!raw) throw new SignatureError(`${file} is not a signed bundle (it has no ${bundleJsonName})`, { hint: 'only bundles made with `bundle create --sign-key` can be checked with --key' });
    if (!signature) throw new SignatureError(`${file} is not signed (no ${signatureName})`, { hint: 'ask for a bundle made with `bundle create --sign-key`, or leave out --key if an unsigned bundle is acceptable' });
    verifyPayload(raw, signature, options.key, `${file}: ${signatureName}`);
  }
  if (raw) return openBundle(index, raw, signature);
  if (signature) throw new InputError(`${file}: tar entry "${signatureEntry!.name}" is rejected: a signature without the ${bundleJsonName} it signs`, { hint: recreate });
  const reader = tarLayoutReader(index, '');
  const root = await layoutRoot(reader);
  const ref = name ? parseImageName(name, '--image') : undefined;
  const image = await readLayoutImage(withInlineRoot(reader, root), stripInline(root), name ?? 'in the layout');
  const repository = ref ? plainRepository(ref) : '';
  return { kind: 'oci-layout', index, images: [{ name: name ?? '(unnamed)', repository, tag: ref?.tag ?? '', image, layout: '' }], manifests: [] };
}
