// Reads an image's files and config straight from the registry's blobs: the layers in
// order (a later layer's file wins), and the ELF machine of a binary.
import { gunzipSync } from 'node:zlib';
import type { ImageManifest, RegistryClient } from '../../pipelines/adapters/registry.js';
import { readTar } from './tar.js';

export interface ImageConfigBlob {
  architecture: string;
  os: string;
  config: { Labels?: Record<string, string>; Entrypoint?: string[]; User?: string };
  history?: { created_by?: string; empty_layer?: boolean }[];
}

export async function imageManifest(client: RegistryClient, repository: string, digest: string): Promise<ImageManifest> {
  const fetched = await client.manifest<ImageManifest>(repository, digest);
  if (!fetched) throw new Error(`${repository}@${digest} is not in the registry`);
  return fetched.body;
}

export async function imageConfig(client: RegistryClient, repository: string, digest: string): Promise<ImageConfigBlob> {
  const manifest = await imageManifest(client, repository, digest);
  return JSON.parse((await client.blob(repository, manifest.config.digest)).toString('utf8')) as ImageConfigBlob;
}

/** The content of `path` (no leading slash) in the image, or undefined. */
export async function imageFile(client: RegistryClient, repository: string, digest: string, path: string): Promise<Buffer | undefined> {
  const manifest = await imageManifest(client, repository, digest);
  let found: Buffer | undefined;
  for (const layer of manifest.layers) {
    const blob = await client.blob(repository, layer.digest);
    const tar = blob[0] === 0x1f && blob[1] === 0x8b ? gunzipSync(blob) : blob;
    const file = (await readTar(tar)).get(path);
    if (file) found = file;
  }
  return found;
}

export const elfMachines = { x86_64: 62, aarch64: 183 } as const;

/** e_machine of an ELF file (little-endian ELF only, as on amd64 and arm64). */
export function elfMachine(file: Buffer): number {
  if (file.subarray(0, 4).toString('latin1') !== '\x7fELF') throw new Error('not an ELF file');
  if (file[5] !== 1) throw new Error('not a little-endian ELF file');
  return file.readUInt16LE(18);
}
