// Reads tar archives (optionally gzip-compressed) into memory; for tests on small images.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';

export async function readTar(source: string | Buffer, gzip = false): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const ex = extract();
  const input = typeof source === 'string' ? createReadStream(source) : Readable.from([source]);
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c) => { chunks.push(c as Buffer); });
      stream.on('end', () => {
        if (header.type === 'file') files.set(header.name.replace(/^\.?\//, ''), Buffer.concat(chunks));
        next();
      });
      stream.resume();
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  (gzip ? input.pipe(createGunzip()) : input).pipe(ex);
  await done;
  return files;
}
