import { MissingPeerDependencyError } from './missing-peer-dependency.error';

/**
 * Whether the application installed a package. Resolving first tells a missing package apart from
 * an installed one that fails while it loads (whose error must reach the application unchanged).
 */
export function isInstalled(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return false;
    throw error;
  }
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
