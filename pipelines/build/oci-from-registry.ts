// Writes an OCI image-layout tarball of an index as the registry holds it: the index, every
// manifest below it (platform images and attestation manifests) and every blob, as
// `buildx --output type=oci,name=REF` lays it out. Used when attestations are on, so that the
// tarball (and the bundle made of it) carries the very index, digests and all, that was pushed.
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { pack } from 'tar-stream';
import { ExternalError } from '../errors.js';
import { isIndexMediaType, type Descriptor, type ImageIndex, type ImageManifest } from '../adapters/registry.js';
import type { RegistryClient } from '../adapters/registry.js';

const blobName = (digest: string) => `blobs/${digest.replace(':', '/')}`;

export async function writeOciFromRegistry(
  client: RegistryClient,
  repository: string,
  root: Descriptor,
  imageRef: string,
  tag: string,
  file: string,
): Promise<void> {
  const entries = new Map<string, Buffer>();
  const visit = async (digest: string, depth: number): Promise<void> => {
    if (entries.has(blobName(digest))) return;
    if (depth > 4) throw new ExternalError(`${repository}@${root.digest} nests indexes more than 4 deep`);
    const fetched = await client.manifest<ImageIndex | ImageManifest>(repository, digest);
    if (!fetched) throw new ExternalError(`the registry does not hold ${repository}@${digest}, which the pushed index names`);
    entries.set(blobName(digest), fetched.raw);
    if ('manifests' in fetched.body && (isIndexMediaType(fetched.mediaType) || Array.isArray(fetched.body.manifests))) {
      for (const child of fetched.body.manifests) await visit(child.digest, depth + 1);
      return;
    }
    const manifest = fetched.body as ImageManifest;
    for (const d of [manifest.config, ...(manifest.layers ?? [])]) {
      if (!entries.has(blobName(d.digest))) entries.set(blobName(d.digest), await client.blob(repository, d.digest));
    }
  };
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
  const tmp = `${file}.part`;
  const out = pack();
  const written = pipeline(out, createWriteStream(tmp));
  const add = (name: string, data: Buffer) =>
    new Promise<void>((resolve, reject) => out.entry({ name, size: data.length, mode: 0o644, mtime: new Date(0) }, data, (e) => (e ? reject(e) : resolve())));
  try {
    await add('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
    await add('index.json', Buffer.from(JSON.stringify(index)));
    for (const [name, data] of [...entries].sort(([a], [b]) => a.localeCompare(b))) await add(name, data);
    out.finalize();
    await written;
    renameSync(tmp, file);
  } catch (error) {
    out.destroy();
    rmSync(tmp, { force: true });
    throw error;
  }
}
