import type { Cluster, Redis } from 'ioredis';

export interface RedisDurabilityReport {
  appendonly: string | null;
  appendfsync: string | null;
  maxmemoryPolicy: string | null;
  /** What could go wrong with these settings; empty when executions are as safe as Redis can keep them. */
  warnings: string[];
}

/**
 * Reads the server's persistence and eviction settings. Without AOF a restart loses executions;
 * with an evicting `maxmemory-policy` a full server silently drops them. On Redis Cluster every
 * primary is read: the store's slot may move to any of them. The settings reported are the first
 * primary's; the warnings name the node they come from.
 */
export async function inspectRedisDurability(
  client: Redis | Cluster,
): Promise<RedisDurabilityReport> {
  if (!client.isCluster) return inspectServer(client as Redis);
  // The primaries are known once the client has the slot map; a first command waits for it.
  await client.ping().catch(() => undefined);
  const primaries = (client as Cluster).nodes('master');
  const reports = await Promise.all(primaries.map((node) => inspectServer(node)));
  if (reports.length === 0) {
    return {
      appendonly: null,
      appendfsync: null,
      maxmemoryPolicy: null,
      warnings: [
        'Redis Cluster: no primary is connected, so its persistence settings are unknown.',
      ],
    };
  }
  return {
    ...reports[0],
    warnings: reports.flatMap((report, i) =>
      report.warnings.map(
        (warning) => `${primaries[i].options.host}:${primaries[i].options.port}: ${warning}`,
      ),
    ),
  };
}

async function inspectServer(client: Redis): Promise<RedisDurabilityReport> {
  let settings: Record<string, string>;
  try {
    settings = pairs(
      (await client.call(
        'CONFIG',
        'GET',
        'appendonly',
        'appendfsync',
        'maxmemory-policy',
      )) as string[],
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      appendonly: null,
      appendfsync: null,
      maxmemoryPolicy: null,
      warnings: [
        `Could not read the Redis server's persistence settings (${reason}); make sure it runs with appendonly yes and maxmemory-policy noeviction, or executions can be lost.`,
      ],
    };
  }
  const report: RedisDurabilityReport = {
    appendonly: settings['appendonly'] ?? null,
    appendfsync: settings['appendfsync'] ?? null,
    maxmemoryPolicy: settings['maxmemory-policy'] ?? null,
    warnings: [],
  };
  if (report.appendonly !== 'yes') {
    report.warnings.push(
      'Redis runs without AOF (appendonly no): executions written since the last RDB snapshot are lost if the server restarts. Set appendonly yes.',
    );
  } else if (report.appendfsync === 'no') {
    report.warnings.push(
      'Redis AOF uses appendfsync no: the operating system decides when writes reach disk, so a machine crash can lose recent checkpoints. Use appendfsync everysec (at most one second lost) or always.',
    );
  }
  if (report.maxmemoryPolicy !== null && report.maxmemoryPolicy !== 'noeviction') {
    report.warnings.push(
      `Redis maxmemory-policy is ${report.maxmemoryPolicy}: when memory runs out the server evicts keys, and executions vanish without an error. Set maxmemory-policy noeviction.`,
    );
  }
  return report;
}

function pairs(flat: string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) result[flat[i]] = flat[i + 1];
  return result;
}
