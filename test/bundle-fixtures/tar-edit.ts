// Copies a tar with some entries changed, dropped or added: for making bad bundles in tests.
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { extract, pack, type Header } from 'tar-stream';

export type ExtraHeader = Partial<Header> & { name: string };

export type Edit = (name: string, data: Buffer) => Buffer | null;

export async function editTar(source: string, target: string, edit: Edit, extra: { header: ExtraHeader; data?: Buffer }[] = []): Promise<void> {
  const out = pack();
  const written = pipeline(out, createWriteStream(target));
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
    stream.on('end', () => {
      const data = header.type === 'file' ? edit(header.name, Buffer.concat(chunks)) : Buffer.alloc(0);
      if (data === null) return next();
      out.entry({ ...header, size: data.length }, data, next);
    });
  });
  await pipeline(createReadStream(source), ex);
  for (const e of extra) await new Promise<void>((resolve, reject) => out.entry(e.header as Header, e.data ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve())));
  out.finalize();
  await written;
}
