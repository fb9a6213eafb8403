// `bundle create`: the single entry that writes a bundle from OCI layout tarballs and
// rendered manifests (used by the CLI flags and by builds that produce those inputs).
import { createHash, type KeyObject } from 'node:crypto';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Pack } from 'tar-stream';
import type { RegistryClient } from '../adapters/registry.js';
import { DigestCheck } from '../adapters/registry/digest-check.js';
import { InputError, InterruptedError } from '../errors.js';
import { interruption, stopsCleanlyOnInterrupt } from '../interrupt.js';
import { bundleJsonName, serializeBundleJson, type BundleJson } from './bundle-json.js';
import { FrameWriter } from './frame-writer.js';
import type { Compression } from './frames.js';
import { signatureName } from './names.js';
import { keyFingerprint, signPayload } from './signing.js';
import type { ArchiveEntry } from './docker-archive.js';
import { readOciTarball } from './layout-source.js';
import { blobPath } from './oci-layout.js';
import { planBundle, type BundleManifestInput, type PlannedEntry } from './plan.js';
import { parseImageName } from '../model/image-ref.js';
import { openEntry, type TarIndex } from './tar-index.js';
import { count } from '../plural.js';

export interface CreateBundleOptions {
  images: { name: string; ociLayoutTar: string }[];
  manifests: BundleManifestInput[];
  routingApiVersions: string[];
  toolVersion: string;
  dockerArchives?: boolean;
  output: string;
  /** zstd or gzip frames (seekable, see frames.ts), or a plain tar (the default here; the CLI defaults to zstd). */
  compression?: Compression | 'none';
  /** Make a differential bundle: leave out the blobs an earlier bundle, or the site's registry, holds. */
  since?: { bundle: string } | { registry: RegistryClient };
  /** ECDSA P-256 private key: bundle.json is signed with it (bundle.json.sig, cosign's format). */
  signKey?: KeyObject;
  log?: (line: string) => void;
}

export interface CreatedBundle {
  output: string;
  size: number;
  bundle: BundleJson;
}

const header = (name: string, size: number) => ({ name, size, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, type: 'file' as const });

function writeEntry(pack: Pack, name: string, size: number, data: Buffer | Readable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error | null) => (error ? reject(error) : resolve());
    if (Buffer.isBuffer(data)) {
      pack.entry(header(name, size), data, done);
      return;
    }
    pipeline(data, pack.entry(header(name, size), done)).catch(reject);
  });
}

function blobStream(sources: TarIndex[], imageIndex: number, digest: string, size: number): Readable {
  const index = sources[imageIndex]!;
  const entry = index.files.get(blobPath(digest))!;
  const check = new DigestCheck(digest, size, `${index.file}: ${blobPath(digest)}`);
  void pipeline(openEntry(index, entry), check).catch(() => undefined);
  return check;
}

/** Writes a nested docker-archive tar into the bundle, returning its sha256. */
async function writeDockerArchive(pack: Pack, entry: PlannedEntry, sources: TarIndex[], imageIndex: number, archive: ArchiveEntry[]): Promise<string> {
  const inner = tarPack();
  const hash = createHash('sha256');
  const hashing = new Transform({ transform: (chunk: Buffer, _e, cb) => (hash.update(chunk), cb(null, chunk)) });
  const written = writeEntry(pack, entry.path, entry.size, inner.pipe(hashing));
  for (const a of archive) {
    const data = a.source.kind === 'bytes' ? a.source.data : blobStream(sources, imageIndex, a.source.digest, a.size);
    await writeEntry(inner, a.path, a.size, data);
  }
  inner.finalize();
  await written;
  return `sha256:${hash.digest('hex')}`;
}

/** The partial output, opened before anything is read: an unwritable path is bad input, named. */
async function openOutput(output: string, partial: string): Promise<FileHandle> {
  const existing = await stat(output).catch(() => undefined);
  if (existing?.isDirectory()) throw new InputError(`-o ${output}: it is a folder`, { hint: 'give a file path for the bundle, e.g. -o release.bundle.tar.zst' });
  try {
    return await open(partial, 'w');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `the folder ${dirname(output)} does not exist` : code === 'EACCES' || code === 'EPERM' ? `${dirname(output)} is not writable` : code === 'EISDIR' ? `${partial} is a folder` : (code ?? (error as Error).message);
    throw new InputError(`-o ${output}: cannot write there: ${why}`, { hint: 'create the folder first, or give -o a path in a writable folder' });
  }
}

export async function createBundle(options: CreateBundleOptions): Promise<CreatedBundle> {
  const log = options.log ?? (() => undefined);
  if (options.images.length === 0) throw new InputError('bundle create: no image given', { hint: 'pass --oci FILE --image REPOSITORY:TAG' });
  const names = new Set<string>();
  for (const [i, { name }] of options.images.entries()) {
    parseImageName(name, `images[${i}].name`);
    if (names.has(name)) throw new InputError(`images[${i}].name: "${name}" is given twice`, { hint: 'name each image once' });
    names.add(name);
  }
  // An unwritable -o is found before any input is read; the file is opened only after.
  await openOutput(options.output, `${options.output}.partial`).then(async (fh) => {
    await fh.close();
    await rm(`${options.output}.partial`, { force: true });
  });
  const sources: TarIndex[] = [];
  const images = [];
  for (const { name, ociLayoutTar } of options.images) {
    const { index, image } = await readOciTarball(ociLayoutTar, name);
    sources.push(index);
    images.push({ name, source: ociLayoutTar, image });
    log(`image ${name}: ${image.root.descriptor.digest} (${image.platforms.map((p) => p.platform).join(', ') || 'one platform'})`);
  }
  let base: BundleJson['base'];
  if (options.since) {
    const { baseFromBundle, baseFromRegistry, planBase } = await import('./differential.js');
    const known = 'bundle' in options.since ? await baseFromBundle(options.since.bundle) : await baseFromRegistry(options.since.registry, images);
    base = planBase(known, images);
    log(`differential: leaves out ${count(base.blobs.length, 'blob')} (${(base.blobs.reduce((s, b) => s + b.size, 0) / 1e6).toFixed(1)} MB) the site has`);
  }
  const plan = planBundle({ ...options, images, dockerArchives: options.dockerArchives ?? false, base });
  const bundle = plan.bundle;
  const partial = `${options.output}.partial`;
  const out = await openOutput(options.output, partial);
  const pack = tarPack();
  const compression = options.compression ?? 'none';
  const sink = out.createWriteStream();
  const file = compression === 'none' ? pipeline(pack, sink) : pipeline(pack, new FrameWriter(compression), sink);
  // Ctrl-C stops the writing and removes the partial file (exit 130), as any failure does.
  stopsCleanlyOnInterrupt();
  let onAbort: (() => void) | undefined;
  const interrupted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(new InterruptedError(`interrupted while writing ${options.output}; the partial file was removed`));
    if (interruption.aborted) onAbort();
    else interruption.addEventListener('abort', onAbort, { once: true });
  });
  interrupted.catch(() => undefined);
  const write = async () => {
    for (const entry of plan.entries) {
      const source = entry.source;
      if (source.kind === 'bytes') await writeEntry(pack, entry.path, entry.size, source.data);
      else if (source.kind === 'blob') await writeEntry(pack, entry.path, entry.size, blobStream(sources, source.imageIndex, source.digest, entry.size));
      else bundle.files[entry.path] = { sha256: await writeDockerArchive(pack, entry, sources, source.imageIndex, source.entries), size: entry.size };
    }
    if (options.signKey) bundle.signer = { keyFingerprint: keyFingerprint(options.signKey), algorithm: 'ecdsa-p256-sha256' };
    const json = serializeBundleJson(bundle);
    await writeEntry(pack, bundleJsonName, json.length, json);
    if (options.signKey) {
      const signature = Buffer.from(signPayload(json, options.signKey));
      await writeEntry(pack, signatureName, signature.length, signature);
      log(`signed ${bundleJsonName} with key ${bundle.signer!.keyFingerprint}`);
    }
    pack.finalize();
    await file;
  };
  try {
    await Promise.race([write(), interrupted]);
    await rename(partial, options.output);
  } catch (error) {
    pack.destroy();
    await file.catch(() => undefined);
    await out.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  } finally {
    if (onAbort) interruption.removeEventListener('abort', onAbort);
  }
  const size = (await stat(options.output)).size;
  log(`wrote ${options.output} (${(size / 1e6).toFixed(1)} MB${compression === 'none' ? '' : ` ${compression}-compressed`}, ${count(Object.keys(bundle.files).length + 1, 'file')})`);
  return { output: options.output, size, bundle };
}
