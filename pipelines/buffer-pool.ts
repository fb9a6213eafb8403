// Large read buffers used again once whatever was made of them has been written out or hashed.
// Reading a bundle allocates a 4 MiB buffer per frame; at hundreds of MB per import, the
// garbage collections that external memory triggers cost more CPU than the hashing did.
// A buffer goes back to the pool only when every view handed out of it has been
// released, and views are released only by a writer whose write has completed (the bytes
// are in the kernel) or by a hasher that has hashed them: a consumer that never releases
// leaves its buffers to the GC.

const free: Buffer[] = [];
/** Buffers kept for reuse at most (4 MiB frames: 64 MiB). */
const keep = 16;

const releases = new WeakMap<Buffer, () => void>();

/** A buffer of `size` bytes with an ArrayBuffer of its own (only these may be lent or given back). */
export function takeBuffer(size: number): Buffer {
  const at = free.findIndex((b) => b.length >= size);
  if (at >= 0) return free.splice(at, 1)[0]!.subarray(0, size);
  return Buffer.allocUnsafeSlow(size);
}

/** Returns `buffer` to the pool once each of `views` (made from it) has been released. */
export function lendViews(buffer: Buffer, views: Buffer[]): Buffer[] {
  let out = views.length;
  const whole = Buffer.from(buffer.buffer, 0, buffer.buffer.byteLength);
  const back = () => {
    if (--out === 0 && free.length < keep) free.push(whole);
  };
  for (const view of views) releases.set(view, back);
  return views;
}

/** Returns a buffer nothing refers to any more straight to the pool. */
export function giveBack(buffer: Buffer): void {
  if (free.length < keep) free.push(Buffer.from(buffer.buffer, 0, buffer.buffer.byteLength));
}

/** Marks `view` as a part of the same loan as `of` (a narrower view of a lent view). */
export function narrowed(of: Buffer, view: Buffer): Buffer {
  const release = releases.get(of);
  if (release) {
    releases.delete(of);
    releases.set(view, release);
  }
  return view;
}

/** Called by a writer once `view` has been written out: its bytes may be overwritten now. */
export function released(view: Buffer): void {
  const release = releases.get(view);
  if (!release) return;
  releases.delete(view);
  release();
}
