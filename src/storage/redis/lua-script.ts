import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/**
 * A Lua script run by its SHA1, loaded on first use or after the server forgot it. It leaves the
 * client untouched, so an application may pass in the ioredis client it uses for everything else.
 */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /**
   * `routingKey` is passed as the script's one key, so that a Redis Cluster client sends the script
   * to the node that holds the keys it builds from its arguments (all in that key's slot).
   */
  async run(
    client: Redis | Cluster,
    routingKey: string,
    args: (string | number)[],
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, 1, routingKey, ...args);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return client.eval(this.source, 1, routingKey, ...args);
      }
      throw error;
    }
  }
}
