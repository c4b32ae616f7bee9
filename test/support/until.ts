import { setTimeout as delay } from 'node:timers/promises';

/**
 * Reads `probe` every `everyMs` until `done` holds of what it read, for at most `withinMs`; returns
 * the last value read either way, so the test's own assertion on it says what was missing.
 */
export async function until<T>(
  probe: () => T | Promise<T>,
  done: (value: T) => boolean,
  { withinMs = 30_000, everyMs = 50 }: { withinMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await delay(everyMs);
  }
}
