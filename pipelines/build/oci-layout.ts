// Reads the top-level index of an OCI image-layout tarball (as `buildx --output
// type=oci` writes it) without unpacking it: only small JSON entries are kept.
import { createReadStream } from 'node:fs';
import { extract } from 'tar-stream';
import type { ImageIndex } from '../adapters/registry.js';
import { ExternalError } from '../errors.js';

const maxJson = 4 * 1024 * 1024;

/** index.json and every blob up to 4 MiB (manifests and indexes), by digest. */
export async function readLayoutJson(tarPath: string): Promise<{ index: ImageIndex; blobs: Map<string, Buffer> }> {
  const blobs = new Map<string, Buffer>();
  let index: ImageIndex | undefined;
  const ex = extract();
  await new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const name = header.name.replace(/^\.\//, '');
      const wanted = header.type === 'file' && (header.size ?? 0) <= maxJson && (name === 'index.json' || name.startsWith('blobs/sha256/'));
      const chunks: Buffer[] = [];
      if (wanted) stream.on('data', (c) => { chunks.push(c as Buffer); });
      stream.on('end', () => {
        if (wanted) {
          const data = Buffer.concat(chunks);
          if (name === 'index.json') index = JSON.parse(data.toString('utf8')) as ImageIndex;
          else if (data[0] === 0x7b) blobs.set(`sha256:${name.slice('blobs/sha256/'.length)}`, data);
        }
        next();
      });
      stream.resume();
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
    const input = createReadStream(tarPath);
    input.on('error', reject);
    input.pipe(ex);
  }).catch((error: Error) => {
    throw new ExternalError(`cannot read OCI layout ${tarPath}: ${error.message}`);
  });
  if (!index) throw new ExternalError(`${tarPath} is not an OCI image layout: it has no index.json`);
  return { index, blobs };
}

/** The platform index inside the layout: index.json itself, or the one index it points to. */
export function platformIndex(layout: { index: ImageIndex; blobs: Map<string, Buffer> }): { digest?: string; index: ImageIndex } {
  const top = layout.index;
  const only = top.manifests.length === 1 ? top.manifests[0] : undefined;
  if (only && /index|manifest\.list/.test(only.mediaType)) {
    const blob = layout.blobs.get(only.digest);
    if (blob) return { digest: only.digest, index: JSON.parse(blob.toString('utf8')) as ImageIndex };
  }
  return { index: top };
}
