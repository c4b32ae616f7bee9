/**
 * A deep copy, for a value the store keeps as it was when collected (a loop's items and results,
 * `$history`) while a step may still change the original in place. A value that cannot be copied
 * is kept as it is, for the store to refuse by name.
 */
export function ownCopy<T>(value: T): T {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
