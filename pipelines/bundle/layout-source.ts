// Opens an OCI image layout inside a tar (a buildx OCI tarball, or a bundle's oci/ folder).
import type { Descriptor } from '../adapters/registry.js';
import { layoutRoot, readLayoutImage, withInlineRoot, type LayoutImage, type LayoutReader } from './oci-layout.js';
import { indexTar, readEntry, type TarIndex } from './tar-index.js';

export function tarLayoutReader(index: TarIndex, prefix: string): LayoutReader {
  const at = (path: string) => index.files.get(prefix ? `${prefix}/${path}` : path);
  return {
    where: prefix ? `${index.file}: ${prefix}/` : `${index.file}: `,
    has: (path) => at(path) !== undefined,
    read: async (path) => {
      const entry = at(path);
      return entry ? readEntry(index, entry) : undefined;
    },
  };
}

export function stripInline(root: Descriptor & { inline?: Buffer }): Descriptor {
  const { mediaType, digest, size, platform, annotations } = root;
  return { mediaType, digest, size, ...(platform ? { platform } : {}), ...(annotations ? { annotations } : {}) };
}

/** The one image of a plain OCI layout tarball. */
export async function readOciTarball(file: string, name: string): Promise<{ index: TarIndex; image: LayoutImage }> {
  const index = await indexTar(file);
  const reader = tarLayoutReader(index, '');
  const root = await layoutRoot(reader);
  const image = await readLayoutImage(withInlineRoot(reader, root), stripInline(root), name);
  return { index, image };
}
