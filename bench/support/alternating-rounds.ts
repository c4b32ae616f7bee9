import { median, percentile, timedLoops } from './stats';

export interface Rates {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Operations per second of each round, in order. */
  rounds: number[];
  /**
   * This process's CPU time (user and system) per operation, median of the rounds: the client's own
   * work, which a busy machine slows but does not add to as it does to the time an operation takes.
   */
  cpuMicrosPerOperation: number;
}

/**
 * Runs each contender for `rounds` rounds of `roundMs`, taking turns round by round (A B A B …),
 * after a short warm-up of each: a ratio between two contenders then compares the same moments of
 * a noisy machine, never one minute against the next.
 */
export async function alternatingRounds<K extends string>(
  inFlight: number,
  contenders: Record<K, (worker: number) => Promise<void>>,
  options: { rounds: number; roundMs: number },
): Promise<Record<K, Rates>> {
  const names = Object.keys(contenders) as K[];
  for (const name of names) await timedLoops(inFlight, 300, contenders[name]);
  const perRound = new Map<K, number[]>(names.map((name) => [name, []]));
  const latencies = new Map<K, number[]>(names.map((name) => [name, []]));
  const cpu = new Map<K, number[]>(names.map((name) => [name, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (const name of names) {
      const cpuBefore = process.cpuUsage();
      const result = await timedLoops(inFlight, options.roundMs, contenders[name]);
      const { user, system } = process.cpuUsage(cpuBefore);
      perRound.get(name)!.push(result.operations / result.seconds);
      latencies.get(name)!.push(...result.latenciesMs);
      cpu.get(name)!.push((user + system) / Math.max(result.operations, 1));
    }
  }
  return Object.fromEntries(
    names.map((name) => [
      name,
      {
        perSecond: median(perRound.get(name)!),
        p50Ms: percentile(latencies.get(name)!, 50),
        p99Ms: percentile(latencies.get(name)!, 99),
        rounds: perRound.get(name)!,
        cpuMicrosPerOperation: median(cpu.get(name)!),
      },
    ]),
  ) as Record<K, Rates>;
}
