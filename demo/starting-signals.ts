/**
 * Until the application is up, SIGINT or SIGTERM ends the process at once: nothing is running yet
 * that a graceful stop would wait for, and connection retries must not keep it alive. Returns how
 * to hand signals over to Nest's shutdown hooks.
 */
export function exitOnSignalWhileStarting(): () => void {
  const bail = (signal: NodeJS.Signals) => {
    console.error(`Stopped by ${signal} while starting.`);
    process.exit(1);
  };
  process.once('SIGINT', bail);
  process.once('SIGTERM', bail);
  return () => {
    process.off('SIGINT', bail);
    process.off('SIGTERM', bail);
  };
}
