// Writes a multi-platform OCI image layout tarball with random, incompressible layers
// (gzip at level 0 around a one-file tar, as a real layer is gzip-wrapped), generated twice
// from a seed: once to learn digests and sizes, once to write, so nothing is buffered.
import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack, type Pack } from 'tar-stream';

export interface SyntheticOptions {
  platforms: string[];
  layersPerPlatform: number;
  layerSize: number;
  seed: string;
  /** The key a layer's random content comes from (default: seed, platform and index); same key, same layer. */
  layerKey?: (platform: string, index: number) => string;
}

export interface SyntheticImage {
  file: string;
  indexDigest: string;
  platformDigests: Record<string, string>;
  layerDigests: string[];
  bytes: number;
}

const chunk = 1 << 20;

function randomStream(key: string, size: number): Readable {
  const cipher = createCipheriv('aes-128-ctr', createHash('sha256').update(key).digest().subarray(0, 16), Buffer.alloc(16));
  const zeros = Buffer.alloc(chunk);
  let left = size;
  return new Readable({
    read() {
      if (left === 0) return void this.push(null);
      const n = Math.min(chunk, left);
      left -= n;
      this.push(cipher.update(n === chunk ? zeros : zeros.subarray(0, n)));
    },
  });
}

/** The layer blob: gzip(level 0) of a tar holding one random file. */
function layerStream(key: string, size: number, diffHash?: ReturnType<typeof createHash>): Readable {
  const tar = tarPack();
  const entry = tar.entry({ name: `data/${key}.bin`, size, mtime: new Date(0), mode: 0o644 }, () => tar.finalize());
  void pipeline(randomStream(key, size), entry).catch((e: Error) => tar.destroy(e));
  const tap = new Transform({ transform: (c: Buffer, _e, cb) => (diffHash?.update(c), cb(null, c)) });
  return tar.pipe(tap).pipe(createGzip({ level: 0 }));
}

async function measure(stream: Readable): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(stream, new Writable({ write: (c: Buffer, _e, cb) => (hash.update(c), (size += c.length), cb()) }));
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

function entry(pack: Pack, name: string, size: number, data: Buffer | Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (e?: Error | null) => (e ? reject(e) : resolve());
    const header = { name, size, mtime: new Date(0), mode: 0o444 };
    if (Buffer.isBuffer(data)) pack.entry(header, data, done);
    else pipeline(data, pack.entry(header, done)).catch(reject);
  });
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const blobName = (d: string) => `blobs/sha256/${d.slice(7)}`;

export async function writeSyntheticOci(file: string, options: SyntheticOptions): Promise<SyntheticImage> {
  const small = new Map<string, Buffer>();
  const layers: { key: string; digest: string; size: number }[] = [];
  const platformDigests: Record<string, string> = {};
  const manifests = [];
  for (const platform of options.platforms) {
    const [os, architecture] = platform.split('/') as [string, string];
    const mine = [];
    const diffIds = [];
    for (let i = 0; i < options.layersPerPlatform; i++) {
      const key = options.layerKey?.(platform, i) ?? `${options.seed}-${os}-${architecture}-${i}`;
      const diff = createHash('sha256');
      const { digest, size } = await measure(layerStream(key, options.layerSize, diff));
      diffIds.push(`sha256:${diff.digest('hex')}`);
      mine.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size });
      layers.push({ key, digest, size });
    }
    const config = json({ architecture, os, config: {}, rootfs: { type: 'layers', diff_ids: diffIds } });
    small.set(sha(config), config);
    const manifest = json({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: mine,
    });
    small.set(sha(manifest), manifest);
    platformDigests[platform] = sha(manifest);
    manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(manifest), size: manifest.length, platform: { os, architecture } });
  }
  const index = json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests });
  small.set(sha(index), index);
  const top = json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha(index), size: index.length }] });

  const pack = tarPack();
  const written = pipeline(pack, createWriteStream(file));
  await entry(pack, 'oci-layout', 30, Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  await entry(pack, 'index.json', top.length, top);
  for (const [digest, data] of small) await entry(pack, blobName(digest), data.length, data);
  for (const l of layers) await entry(pack, blobName(l.digest), l.size, layerStream(l.key, options.layerSize));
  pack.finalize();
  await written;
  return { file, indexDigest: sha(index), platformDigests, layerDigests: layers.map((l) => l.digest), bytes: layers.reduce((s, l) => s + l.size, 0) };
}
