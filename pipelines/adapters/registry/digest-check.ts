// A pass-through stream that verifies a blob's size and sha256 as it is read. It holds back
// the last chunk until the digest is known, so whatever consumes the stream never sees a
// mismatching blob complete.
import { createHash, type Hash } from 'node:crypto';
import { Transform, Writable, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { released } from '../../buffer-pool.js';
import { InputError } from '../../errors.js';

export class BlobMismatchError extends InputError {}

export class DigestCheck extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private held: Buffer | undefined;
  private seen = 0;

  constructor(
    private readonly digest: string,
    private readonly size: number,
    /** Where the blob comes from, for messages (e.g. "bundle.tar: oci/blobs/sha256/ab…"). */
    private readonly origin: string,
    /** The error of a mismatch: by default an input error about a file (a bundle, an archive). */
    private readonly mismatch: (message: string, hint: string) => Error = (message, hint) => new BlobMismatchError(message, { hint }),
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    this.hash.update(chunk);
    const previous = this.held;
    this.held = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    const actual = `sha256:${this.hash.digest('hex')}`;
    if (this.seen !== this.size) {
      return callback(this.mismatch(`blob ${this.digest} (${this.origin}) has ${this.seen} bytes, its descriptor says ${this.size}`, 'the file is truncated or corrupted; recreate it, or check it with `shipline bundle verify`'));
    }
    if (actual !== this.digest) {
      return callback(this.mismatch(`blob ${this.digest} (${this.origin}) does not match its digest: its content hashes to ${actual}`, 'the file is corrupted; recreate it, or check it with `shipline bundle verify`'));
    }
    callback(null, this.held);
  }
}

/** Reads a blob whole through a DigestCheck: throws BlobMismatchError naming what its content hashes to. */
export async function checkBlobContent(source: Readable, blob: { digest: string; size: number }, origin: string): Promise<void> {
  // Each chunk reaches the sink already hashed: its frame buffer can be read into again.
  const sink = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      released(chunk);
      done();
    },
  });
  await pipeline(source, new DigestCheck(blob.digest, blob.size, origin), sink);
}
