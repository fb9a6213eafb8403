// Frame buffers are lent as views and used again only once every view was released.
import { describe, expect, it } from 'vitest';
import { giveBack, lendViews, narrowed, released, takeBuffer } from '../../pipelines/buffer-pool.js';

const size = 3 * 1024 * 1024 + 17; // unlike any other test's buffers

describe('buffer pool', () => {
  it('a lent buffer comes back only after its last view is released', () => {
    const buffer = takeBuffer(size);
    const [a, b] = lendViews(buffer, [buffer.subarray(0, 10), buffer.subarray(10, 20)]);
    released(a!);
    expect(takeBuffer(size).buffer).not.toBe(buffer.buffer);
    released(a!); // twice counts once
    expect(takeBuffer(size).buffer).not.toBe(buffer.buffer);
    released(b!);
    expect(takeBuffer(size).buffer).toBe(buffer.buffer);
  });

  it('a narrowed view carries its loan; the wider one no longer releases it', () => {
    const buffer = takeBuffer(size);
    const [part] = lendViews(buffer, [buffer.subarray(0, 100)]);
    const inner = narrowed(part!, part!.subarray(10, 20));
    released(part!);
    expect(takeBuffer(size).buffer).not.toBe(buffer.buffer);
    released(inner);
    expect(takeBuffer(size).buffer).toBe(buffer.buffer);
  });

  it('a buffer given back is handed out whole again, at the size asked for', () => {
    const buffer = takeBuffer(size);
    giveBack(buffer.subarray(0, 5));
    const again = takeBuffer(size - 1);
    expect(again.buffer).toBe(buffer.buffer);
    expect(again.length).toBe(size - 1);
  });

  it('a view never lent releases nothing', () => {
    expect(() => released(Buffer.alloc(4))).not.toThrow();
  });
});
