/**
 * The part of a key Redis Cluster hashes, by its rule: between the first `{` and the next `}`, if
 * not empty; null when the whole key is hashed. Keys that share a tag share a slot.
 */
export function hashTagOf(key: string): string | null {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : null;
}

/** Whether an ioredis client is a Redis Cluster client. */
export function isClusterClient(client: unknown): boolean {
  return (client as { isCluster?: unknown } | null)?.isCluster === true;
}
