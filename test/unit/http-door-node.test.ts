// The door's node:http requests (pipelines/adapters/http/upload.ts): what the registry
// client sends where no proxy applies (sendPlain) and its streamed uploads, batch by batch.
// The same deadlines and answers as the door's send(), against a real local server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestTimeoutError, sendPlain, upload } from '../../pipelines/adapters/http/index.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const common = (url: string, method = 'GET') => ({
  method,
  url: new URL(url),
  idleTimeoutMs: 1_000,
  timedOut: (s: number) => new RequestTimeoutError(`silent for ${s}s`),
  unreachable: (error: Error) => `unreachable: ${error.message}`,
});

describe('sendPlain', () => {
  it('sends a body, reads the answer (up to its limit), or only its head', async () => {
    const base = await serve((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => res.writeHead(201, { 'x-got': body }).end('x'.repeat(1000)));
    });
    const answer = await sendPlain({ ...common(`${base}/put`, 'PUT'), body: Buffer.from('hello') });
    expect([answer.status, answer.headers['x-got'], answer.body.length]).toEqual([201, 'hello', 1000]);
    expect((await sendPlain({ ...common(`${base}/head`, 'HEAD'), readBody: false })).body.length).toBe(0);
  });

  it('streams a 200 into the sink, not into memory', async () => {
    const base = await serve((_req, res) => res.end('y'.repeat(70_000)));
    let sunk = 0;
    const answer = await sendPlain({ ...common(`${base}/blob`), sink: (body) => pipeline(body, new Writable({ write: (c: Buffer, _e, done) => ((sunk += c.length), done()) })) });
    expect([answer.status, answer.body.length, sunk]).toEqual([200, 0, 70_000]);
  });

  it('fails a server that stays silent with the request\'s timeout error', async () => {
    const base = await serve(() => undefined);
    const began = Date.now();
    await expect(sendPlain(common(`${base}/silent`))).rejects.toThrow(RequestTimeoutError);
    // The idle deadline is 1 s; the margin covers a loaded machine's timers.
    expect(Date.now() - began).toBeLessThan(5_000);
  });

  it('says a refused connection is worth another try', async () => {
    const base = await serve(() => undefined);
    servers.splice(0).forEach((s) => s.close());
    await new Promise((r) => setTimeout(r, 50));
    await expect(sendPlain(common(`${base}/gone`))).rejects.toMatchObject({ name: 'TransientError' });
  });
});

describe('upload of a batched body', () => {
  it('sends every batch in order, and stops reading once the server has answered', async () => {
    const received: Buffer[] = [];
    const base = await serve((req, res) => {
      req.on('data', (c: Buffer) => received.push(c));
      req.on('end', () => res.writeHead(201).end());
    });
    const batches = [[Buffer.from('ab'), Buffer.from('cd')], [Buffer.from('ef')]];
    const ok = await upload({ ...common(`${base}/blob`, 'PUT'), body: { batches: async function* () { yield* batches; } } });
    expect([ok.status, Buffer.concat(received).toString()]).toEqual([201, 'abcdef']);

    // A server refusing at once: the upload ends with its answer and the source is closed.
    const refusing = await serve((_req, res) => res.writeHead(400).end('no'));
    let closed = false;
    const endless = async function* () {
      try {
        for (;;) yield [Buffer.alloc(1 << 20)];
      } finally {
        closed = true;
      }
    };
    const refused = await upload({ ...common(`${refusing}/blob`, 'PUT'), body: { batches: endless } });
    expect(refused.status).toBe(400);
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(true);
  });
});
