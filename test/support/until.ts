// Polls until a probe gives a value; on timeout, says what was expected and what was seen.
import { setTimeout as sleep } from 'node:timers/promises';

export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  seen: () => string | Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`expected ${what} within ${timeoutMs / 1000}s; ${await seen()}`);
    await sleep(300);
  }
}
