/**
 * Where queue mode's CPU goes: a 3-step workflow started (`start()` then `wait()`) one at a time
 * by a web-only process and run by one worker process on Postgres, both profiled through the
 * inspector over the same workflows (start-up and warm-up left out). Self time per workflow by
 * where the code comes from (BullMQ, ioredis, pg and TypeORM, our code, JSON, GC…) and the busiest
 * functions. `npm run bench:queue-profile` (BENCH_STORES=redis for the Redis store).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { WorkflowService } from '../src';
import { ScratchRedisServer } from '../test/support/redis-server';
import { DATABASE_URL } from './support/backends';
import {
  CpuProfiler,
  summarize,
  type CpuProfile,
  type ProfileSummary,
} from './support/cpu-profile';
import { bootQueueBenchApp, type QueueBenchConfig } from './support/queue-bench-app';
import { writeResults } from './support/results';
import { table } from './support/stats';
import { spawnWorker, stopWorker } from './support/worker-processes';

type StoreName = 'postgres' | 'redis';
const STORES = (process.env.BENCH_STORES ?? 'postgres').split(',') as StoreName[];
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 300);
const PROFILED = Number(process.env.BENCH_PROFILED ?? 1000);
const TOP = 25;

/** Resolves when the worker says it wrote its profile. */
function profiled(worker: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    const listener = (chunk: Buffer) => {
      if (!chunk.toString().includes('profiled')) return;
      worker.stdout!.off('data', listener);
      resolve();
    };
    worker.stdout!.on('data', listener);
  });
}

async function profileStore(store: StoreName, redisUrl: string) {
  const schema = `dw_qprof_${randomBytes(4).toString('hex')}`;
  const profileTo = join(tmpdir(), `${schema}.cpuprofile`);
  const pg = new Client({ connectionString: DATABASE_URL });
  await pg.connect();
  if (store === 'postgres') await pg.query(`CREATE SCHEMA ${schema}`);
  const config: QueueBenchConfig = {
    store,
    redisUrl,
    schema,
    prefix: `qprof-${randomBytes(3).toString('hex')}`,
    worker: false,
    concurrency: 16,
  };
  const driver = await bootQueueBenchApp(config);
  const workflows = driver.get(WorkflowService);
  const worker = await spawnWorker(
    'workflow',
    { ...config, worker: true },
    { ...process.env, BENCH_PROFILE_TO: profileTo },
  );
  const runOne = async () => {
    const started = await workflows.start('three');
    const done = await workflows.wait(started.id, { timeoutMs: 30_000 });
    if (done.status !== 'completed') throw new Error(`${done.id} ended ${done.status}`);
  };
  try {
    for (let i = 0; i < WARM_UP; i++) await runOne();
    const profiler = new CpuProfiler();
    worker.stdin!.write('profile\n');
    await profiler.start();
    const began = performance.now();
    for (let i = 0; i < PROFILED; i++) await runOne();
    const seconds = (performance.now() - began) / 1000;
    const driverProfile = await profiler.stop();
    const written = profiled(worker);
    worker.stdin!.write('profile\n');
    await written;
    const workerProfile = JSON.parse(readFileSync(profileTo, 'utf8')) as CpuProfile;
    return {
      store,
      workflowsPerSecond: PROFILED / seconds,
      worker: summarize(workerProfile),
      driver: summarize(driverProfile),
    };
  } finally {
    rmSync(profileTo, { force: true });
    await stopWorker(worker);
    await driver.close();
    if (store === 'postgres') await pg.query(`DROP SCHEMA ${schema} CASCADE`);
    await pg.end();
  }
}

/** Per workflow, in ms, each group's self time in the worker, the driver and both. */
function groupRows(worker: ProfileSummary, driver: ProfileSummary) {
  const names = [...new Set([...worker.groups, ...driver.groups].map((g) => g.group))];
  const of = (summary: ProfileSummary, group: string) =>
    (summary.groups.find((g) => g.group === group)?.ms ?? 0) / PROFILED;
  return names
    .map((group) => ({ group, worker: of(worker, group), driver: of(driver, group) }))
    .sort((a, b) => b.worker + b.driver - (a.worker + a.driver));
}

async function main(): Promise<void> {
  const redisServer = new ScratchRedisServer(['--save', '', '--appendonly', 'no']);
  await redisServer.start();
  const results = [];
  try {
    for (const store of STORES) results.push(await profileStore(store, redisServer.url));
  } finally {
    await redisServer.dispose();
  }
  const ms = (n: number) => n.toFixed(3);
  const documented = results.map((r) => {
    const groups = groupRows(r.worker, r.driver);
    const functions = [
      ...r.worker.functions.map((f) => ({ ...f, process: 'worker' })),
      ...r.driver.functions.map((f) => ({ ...f, process: 'driver' })),
    ]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, TOP)
      .map((f) => ({ ...f, msPerWorkflow: f.ms / PROFILED }));
    console.log(
      `\n${r.store}: ${PROFILED} workflows one at a time, ${r.workflowsPerSecond.toFixed(0)}/s; CPU per workflow: worker ${ms(r.worker.busyMs / PROFILED)} ms, driver ${ms(r.driver.busyMs / PROFILED)} ms\n`,
    );
    console.log(
      table(
        ['where', 'worker ms/wf', 'driver ms/wf', 'both ms/wf'],
        groups.map((g) => [g.group, ms(g.worker), ms(g.driver), ms(g.worker + g.driver)]),
      ),
    );
    console.log(
      '\n' +
        table(
          ['process', 'where', 'function', 'ms/wf'],
          functions.map((f) => [f.process, f.group, f.fn, ms(f.msPerWorkflow)]),
        ),
    );
    return {
      store: r.store,
      workflowsPerSecond: r.workflowsPerSecond,
      workerMsPerWorkflow: r.worker.busyMs / PROFILED,
      driverMsPerWorkflow: r.driver.busyMs / PROFILED,
      groups,
      top: functions.map(({ process, group, fn, msPerWorkflow }) => ({
        process,
        group,
        fn,
        msPerWorkflow,
      })),
    };
  });
  writeResults('queue-profile', { warmUp: WARM_UP, profiled: PROFILED, results: documented });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
