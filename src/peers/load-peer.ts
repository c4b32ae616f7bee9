import { MissingPeerDependencyError } from './missing-peer-dependency.error';

/** What resolving found, per package: a process's packages don't come and go, and jobs ask often. */
const installed = new Map<string, boolean>();

/**
 * Whether the application installed a package. Resolving first tells a missing package apart from
 * an installed one that fails while it loads (whose error must reach the application unchanged).
 */
export function isInstalled(name: string): boolean {
  const known = installed.get(name);
  if (known !== undefined) return known;
  try {
    require.resolve(name);
    installed.set(name, true);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    installed.set(name, false);
  }
  return installed.get(name) as boolean;
}

/** A package the application may have installed, loaded from the application's own copy; undefined when absent. */
export function loadOptionalPeer<T>(name: string): T | undefined {
  return isInstalled(name) ? (require(name) as T) : undefined;
}

/**
 * Loads the packages a feature needs (the first is returned), or fails naming every missing one and
 * the option that needs them. Called when the feature is configured, never when the module is imported.
 */
export function loadPeer<T>(feature: string, name: string, ...companions: string[]): T {
  const missing = [name, ...companions].filter((peer) => !isInstalled(peer));
  if (missing.length > 0) throw new MissingPeerDependencyError(missing, feature);
  return require(name) as T;
}
