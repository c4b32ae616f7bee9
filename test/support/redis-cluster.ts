import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { sleep } from './fixtures';
import { ScratchRedisServer } from './redis-server';

const SLOTS = 16384;

/** A private Redis Cluster of three primaries on free ports, slots split evenly; never the shared server. */
export class ScratchRedisCluster {
  readonly nodes = [0, 1, 2].map(
    () =>
      new ScratchRedisServer([
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        '2000',
        '--save',
        '',
        '--appendonly',
        'yes',
      ]),
  );

  async start(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.start()));
    const admins = this.nodes.map((node) => new Redis(node.url));
    try {
      const share = Math.ceil(SLOTS / admins.length);
      await Promise.all(
        admins.map((admin, i) =>
          admin.call('CLUSTER', 'ADDSLOTSRANGE', i * share, Math.min(SLOTS, (i + 1) * share) - 1),
        ),
      );
      for (const node of this.nodes.slice(1)) {
        await admins[0].call('CLUSTER', 'MEET', '127.0.0.1', node.port);
      }
      await this.untilFormed(admins);
    } finally {
      admins.forEach((admin) => admin.disconnect());
    }
  }

  /** BullMQ's workers need `{ maxRetriesPerRequest: null }`; a store fails faster with the default. */
  client(redisOptions: RedisOptions = { maxRetriesPerRequest: 1 }): Cluster {
    return new Cluster(
      this.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
      { redisOptions },
    );
  }

  async dispose(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.dispose()));
  }

  private async untilFormed(admins: Redis[]): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const infos = await Promise.all(admins.map((admin) => admin.call('CLUSTER', 'INFO')));
      if (
        infos.every(
          (info) =>
            /cluster_state:ok/.test(String(info)) && /cluster_known_nodes:3/.test(String(info)),
        )
      )
        return;
      await sleep(50);
    }
    throw new Error('the scratch Redis Cluster did not form within 10 s');
  }
}
