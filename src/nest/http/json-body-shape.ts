/** Keys that reach an object's prototype when code assigns them: never data in a request. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

/** How deep a request body may nest; deeper JSON is refused before anything recurses into it. */
export const MAX_BODY_DEPTH = 100;

/**
 * The first thing wrong with a parsed JSON body, as a sentence naming its path: a reserved key, or
 * nesting deeper than MAX_BODY_DEPTH. Walks with an explicit stack, so any depth is safe to check.
 */
export function jsonBodyProblem(body: unknown): string | null {
  const pending: { value: unknown; path: string; depth: number }[] = [
    { value: body, path: 'body', depth: 0 },
  ];
  while (pending.length > 0) {
    const { value, path, depth } = pending.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_BODY_DEPTH) {
      return `${path} nests deeper than ${MAX_BODY_DEPTH} levels; send flatter JSON`;
    }
    const children = Array.isArray(value)
      ? value.map((item, index) => [`${path}[${index}]`, item] as const)
      : Object.entries(value).map(([key, item]) => [childPath(path, key), item] as const);
    if (!Array.isArray(value)) {
      const reserved = Object.keys(value).find((key) => RESERVED_KEYS.has(key));
      if (reserved !== undefined) {
        return `${childPath(path, reserved)}: "${reserved}" is not accepted as a key, as it could reach an object's prototype; rename it`;
      }
    }
    for (const [childPathName, item] of children) {
      pending.push({ value: item, path: childPathName, depth: depth + 1 });
    }
  }
  return null;
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}
