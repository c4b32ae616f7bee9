/** Waits for `work` at most `graceMs`; true when it settled in time, false when the time ran out. */
export async function withinGrace(work: Promise<unknown>, graceMs: number): Promise<boolean> {
  let timeout: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timeout = setTimeout(() => resolve(false), graceMs);
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timeout);
  }
}
