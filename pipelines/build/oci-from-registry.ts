// Writes an OCI image-layout tarball of an index as the registry holds it: the index, every
// manifest below it (platform images and attestation manifests) and every blob, as
// `buildx --output type=oci,name=REF` lays it out. Used when attestations are on, so that the
// tarball (and the bundle made of it) carries the very index, digests and all, that was pushed.
import { createReadStream, createWriteStream, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';
import { ExternalError } from '../errors.js';
import { isIndexMediaType, type Descriptor, type ImageIndex, type ImageManifest } from '../adapters/registry.js';
import type { RegistryClient } from '../adapters/registry.js';

const blobName = (digest: string) => `blobs/${digest.replace(':', '/')}`;

/** What goes into the tarball: a manifest's bytes, or a blob already downloaded to a file. */
type Entry = { data: Buffer } | { file: string; size: number };

export async function writeOciFromRegistry(
  client: RegistryClient,
  repository: string,
  root: Descriptor,
  imageRef: string,
  tag: string,
  file: string,
): Promise<void> {
  // Blobs are downloaded beside the tarball, then copied into it: memory stays flat however large the layers.
  const blobs = mkdtempSync(`${file}.blobs-`);
  const entries = new Map<string, Entry>();
  const visit = async (digest: string, depth: number): Promise<void> => {
    if (entries.has(blobName(digest))) return;
    if (depth > 4) throw new ExternalError(`${repository}@${root.digest} nests indexes more than 4 deep`);
    const fetched = await client.manifest<ImageIndex | ImageManifest>(repository, digest);
    if (!fetched) throw new ExternalError(`the registry does not hold ${repository}@${digest}, which the pushed index names`);
    entries.set(blobName(digest), { data: fetched.raw });
    if ('manifests' in fetched.body && (isIndexMediaType(fetched.mediaType) || Array.isArray(fetched.body.manifests))) {
      for (const child of fetched.body.manifests) await visit(child.digest, depth + 1);
      return;
    }
    const manifest = fetched.body as ImageManifest;
    for (const d of [manifest.config, ...(manifest.layers ?? [])]) {
      if (entries.has(blobName(d.digest))) continue;
      const path = join(blobs, d.digest.replace(':', '-'));
      await client.blobToFile(repository, d, path);
      entries.set(blobName(d.digest), { file: path, size: d.size });
    }
  };
  const tmp = `${file}.part`;
  const out = pack();
  try {
    await visit(root.digest, 0);
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{
        mediaType: root.mediaType,
        digest: root.digest,
        size: root.size,
        annotations: { 'io.containerd.image.name': imageRef, 'org.opencontainers.image.ref.name': tag },
      }],
    };
    const written = pipeline(out, createWriteStream(tmp));
    written.catch(() => undefined); // awaited below; a failure before that is thrown by the step that failed
    const header = (name: string, size: number) => ({ name, size, mode: 0o644, mtime: new Date(0) });
    const add = async (name: string, entry: Entry) => {
      if ('data' in entry) {
        await new Promise<void>((resolve, reject) => out.entry(header(name, entry.data.length), entry.data, (e) => (e ? reject(e) : resolve())));
      } else {
        await pipeline(createReadStream(entry.file), out.entry(header(name, entry.size)));
      }
    };
    await add('oci-layout', { data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') });
    await add('index.json', { data: Buffer.from(JSON.stringify(index)) });
    for (const [name, entry] of [...entries].sort(([a], [b]) => a.localeCompare(b))) await add(name, entry);
    out.finalize();
    await written;
    renameSync(tmp, file);
  } catch (error) {
    out.destroy();
    rmSync(tmp, { force: true });
    throw error;
  } finally {
    rmSync(blobs, { recursive: true, force: true });
  }
}
