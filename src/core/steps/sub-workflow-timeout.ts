/**
 * Waits for `running` at most `ms`. A late settlement is observed (never an unhandled rejection):
 * the child it belongs to has been cancelled by then, and its run stops at its next checkpoint.
 */
export async function runWithin<T>(running: Promise<T>, ms: number): Promise<T | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), ms);
  });
  try {
    return await Promise.race([running, late]);
  } finally {
    clearTimeout(timer);
    running.catch(() => undefined);
  }
}
