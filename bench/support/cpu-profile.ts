import { Session } from 'node:inspector/promises';

/** The parts of a V8 CPU profile (`Profiler.stop`) the summary reads. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }[];
  samples: number[];
  timeDeltas: number[];
}

/** Profiles this process's CPU from `start` to `stop`, through the inspector. */
export class CpuProfiler {
  private readonly session = new Session();

  async start(): Promise<void> {
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: 100 });
    await this.session.post('Profiler.start');
  }

  async stop(): Promise<CpuProfile> {
    const { profile } = await this.session.post('Profiler.stop');
    this.session.disconnect();
    return profile as unknown as CpuProfile;
  }
}

/** Where a function's code comes from, by its script's url. */
export function groupOf(url: string, functionName: string): string {
  if (functionName === '(idle)') return 'idle';
  // The inspector's own message handling: the profiler starting (the wait for its first sample is
  // counted here) and stopping, not the work measured.
  if (functionName === 'dispatch' && url === '') return 'profiler';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'V8 and native (program)';
  if (/^JSON\.|^(parse|stringify)$/.test(functionName) && url === '') return 'JSON';
  if (url.includes('node_modules/bullmq/')) return 'BullMQ';
  if (/node_modules\/(ioredis|redis-parser|@ioredis|denque|cluster-key-slot)\//.test(url))
    return 'ioredis';
  if (/node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-\w+|typeorm)\//.test(url))
    return 'pg and TypeORM';
  if (url.includes('node_modules/msgpackr')) return 'BullMQ (msgpackr)';
  if (/\/src\/core\//.test(url)) return 'our engine (src/core)';
  if (/\/src\/storage\//.test(url)) return 'our stores (src/storage)';
  if (/\/src\/(nest|observability|peers)\//.test(url)) return 'our Nest layer (src/nest)';
  if (url.includes('node_modules/')) return 'other packages';
  if (url.startsWith('node:') || url === '') return 'Node.js (net, streams, timers, crypto)';
  return 'other';
}

/** Self time (µs) per node of the profile, from its samples. */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  profile.samples.forEach((nodeId, i) => {
    self.set(nodeId, (self.get(nodeId) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return self;
}

export interface ProfileSummary {
  /** Busy CPU time (not idle) in ms. */
  busyMs: number;
  groups: { group: string; ms: number }[];
  functions: { group: string; fn: string; ms: number }[];
}

/** Self time by group and by function, busiest first; idle left out. */
export function summarize(profile: CpuProfile): ProfileSummary {
  const self = selfTimes(profile);
  const groups = new Map<string, number>();
  const functions = new Map<string, { group: string; fn: string; ms: number }>();
  for (const node of profile.nodes) {
    const micros = self.get(node.id) ?? 0;
    if (micros === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const group = groupOf(url, functionName);
    if (group === 'idle' || group === 'profiler') continue;
    groups.set(group, (groups.get(group) ?? 0) + micros / 1000);
    const file = url.replace(/^.*\/(node_modules|src)\//, '$1/');
    const fn = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    const entry = functions.get(fn) ?? { group, fn, ms: 0 };
    entry.ms += micros / 1000;
    functions.set(fn, entry);
  }
  const byMs = <T extends { ms: number }>(a: T, b: T) => b.ms - a.ms;
  return {
    busyMs: [...groups.values()].reduce((a, b) => a + b, 0),
    groups: [...groups].map(([group, ms]) => ({ group, ms })).sort(byMs),
    functions: [...functions.values()].sort(byMs),
  };
}
