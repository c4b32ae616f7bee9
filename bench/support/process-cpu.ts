import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times on Linux. */
const TICKS = 100;

/** CPU seconds (user + system) used so far by the processes each group names. */
export type CpuSample = Record<string, number>;

/**
 * Samples CPU time per group of processes from /proc: the given worker pids, this process, and
 * the Postgres and Redis servers by command name. Two samples apart give cores in use per group.
 */
export function sampleCpu(groups: { workers: number[] }): CpuSample {
  const sample: CpuSample = { workers: 0, driver: 0, postgres: 0, redis: 0 };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const pid = Number(entry);
    const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS;
    if (groups.workers.includes(pid)) sample.workers += seconds;
    else if (pid === process.pid) sample.driver += seconds;
    else if (command.startsWith('postgres')) sample.postgres += seconds;
    else if (command.startsWith('redis-server')) sample.redis += seconds;
  }
  return sample;
}

/** Cores each group kept busy between two samples `seconds` apart. */
export function coresBetween(before: CpuSample, after: CpuSample, seconds: number): CpuSample {
  return Object.fromEntries(
    Object.keys(after).map((group) => [group, (after[group] - (before[group] ?? 0)) / seconds]),
  );
}
