/**
 * Queue mode's cost: a 3-step workflow started through BullMQ by a web-only process (`start()`
 * then `wait()`) and run by one worker process, on each store, at 1 and 16 in flight, beside bare
 * BullMQ jobs (`add` then waiting for the job to finish) in the same run, the two taking turns round
 * by round. For each: workflows/s, latency, CPU per workflow of the worker and the driver, and what
 * one workflow costs the servers: Postgres commits (`pg_stat_database.xact_commit` of a database of
 * its own; reads count) and Redis commands (a redis-server of the benchmark's own, BullMQ's
 * commands included). Then resume latency: `resume()` to `wait()` returning. `npm run bench:queue`
 * (BENCH_STORES=postgres picks the stores).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { WorkflowService } from '../src';
import { ScratchRedisServer } from '../test/support/redis-server';
import { DATABASE_URL } from './support/backends';
import { CommandCounter } from './support/command-counter';
import { CommitCounter } from './support/commit-counter';
import { bootQueueBenchApp, type QueueBenchConfig } from './support/queue-bench-app';
import { sampleCpu } from './support/process-cpu';
import { writeResults } from './support/results';
import { spawnWorker, stopWorker as stop } from './support/worker-processes';
import { median, percentile, table, timedLoops } from './support/stats';

type StoreName = 'postgres' | 'redis';
const STORES = (process.env.BENCH_STORES ?? 'postgres,redis').split(',') as StoreName[];
const IN_FLIGHT = [1, 16];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 4000);
const COUNTED_RUNS = Number(process.env.BENCH_COUNTED_RUNS ?? 300);
const RESUMES = Number(process.env.BENCH_RESUMES ?? 40);
const CONCURRENCY = 16;
const RAW_QUEUE = 'raw-bench';

interface Contender {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU of the worker process and this (driving) process per operation, median of the rounds. */
  cpuMsPerOp: number;
  rounds: number[];
}

interface Row {
  store: StoreName;
  inFlight: number;
  workflow: Contender;
  raw: Contender;
  pgCommitsPerWorkflow: number | null;
  redisCommandsPerWorkflow: number;
}

/** Runs `count` operations over `inFlight` loops. */
async function runCount(inFlight: number, count: number, operation: () => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < count) await operation();
    }),
  );
}

/** Alternates the contenders round by round (A B A B), after a warm-up of each. */
async function alternate(
  inFlight: number,
  contenders: Record<'workflow' | 'raw', { run: () => Promise<void>; pids: number[] }>,
): Promise<Record<'workflow' | 'raw', Contender>> {
  const names = ['workflow', 'raw'] as const;
  for (const name of names) await timedLoops(inFlight, 500, contenders[name].run);
  const rounds = { workflow: [] as number[], raw: [] as number[] };
  const cpu = { workflow: [] as number[], raw: [] as number[] };
  const latencies = { workflow: [] as number[], raw: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      const before = sampleCpu({ workers: contenders[name].pids });
      const result = await timedLoops(inFlight, ROUND_MS, contenders[name].run);
      const after = sampleCpu({ workers: contenders[name].pids });
      const cpuSeconds = after.workers - before.workers + (after.driver - before.driver);
      rounds[name].push(result.operations / result.seconds);
      cpu[name].push((cpuSeconds * 1000) / result.operations);
      latencies[name].push(...result.latenciesMs);
    }
  }
  const summary = (name: (typeof names)[number]): Contender => ({
    perSecond: median(rounds[name]),
    p50Ms: percentile(latencies[name], 50),
    p99Ms: percentile(latencies[name], 99),
    cpuMsPerOp: median(cpu[name]),
    rounds: rounds[name],
  });
  return { workflow: summary('workflow'), raw: summary('raw') };
}

async function benchStore(
  store: StoreName,
  redisUrl: string,
  commands: CommandCounter,
): Promise<{ rows: Row[]; resumeP50Ms: number; resumeP99Ms: number }> {
  const schema = `dw_qbench_${randomBytes(4).toString('hex')}`;
  const prefix = `qb-${store}-${randomBytes(3).toString('hex')}`;
  // A database of its own, so its commit count is this benchmark's alone.
  const counter = store === 'postgres' ? await CommitCounter.create(DATABASE_URL, 'queue') : null;
  if (counter) {
    const pg = new Client({ connectionString: counter.url });
    await pg.connect();
    await pg.query(`CREATE SCHEMA ${schema}`);
    await pg.end();
  }
  const config: QueueBenchConfig = {
    store,
    databaseUrl: counter?.url,
    redisUrl,
    schema,
    prefix,
    worker: false,
    concurrency: CONCURRENCY,
  };
  const driver = await bootQueueBenchApp(config);
  const workflows = driver.get(WorkflowService);
  const worker = await spawnWorker('workflow', { ...config, worker: true });
  const raw = await spawnWorker('raw', {
    prefix,
    queue: RAW_QUEUE,
    concurrency: CONCURRENCY,
    redisUrl,
  });
  const rawQueue = new Queue(RAW_QUEUE, { connection: { url: redisUrl }, prefix });
  const rawEvents = new QueueEvents(RAW_QUEUE, { connection: { url: redisUrl }, prefix });
  // Each job waited on listens for the queue closing: sixteen in flight are not a leak.
  rawQueue.setMaxListeners(64);
  // Each waiting job listens on it.
  rawEvents.setMaxListeners(0);
  await rawEvents.waitUntilReady();
  const runWorkflow = async () => {
    const started = await workflows.start('three');
    const done = await workflows.wait(started.id, { timeoutMs: 30_000 });
    if (done.status !== 'completed') throw new Error(`${done.id} ended ${done.status}`);
  };
  const runRaw = async () => {
    const job = await rawQueue.add('empty', {}, { removeOnComplete: { count: 1000 } });
    await job.waitUntilFinished(rawEvents, 30_000);
  };
  const rows: Row[] = [];
  const latencies: number[] = [];
  try {
    const rates = [];
    for (const inFlight of IN_FLIGHT) {
      rates.push(
        await alternate(inFlight, {
          workflow: { run: runWorkflow, pids: [worker.pid!] },
          raw: { run: runRaw, pids: [raw.pid!] },
        }),
      );
    }
    // Counted with the bare worker gone: its idle polling would be counted too.
    await stop(raw);
    for (const [i, inFlight] of IN_FLIGHT.entries()) {
      const runs = COUNTED_RUNS * (inFlight > 1 ? 2 : 1);
      const work = () => runCount(inFlight, runs, runWorkflow);
      let redisCommandsPerWorkflow = 0;
      const countRedis = async () => {
        redisCommandsPerWorkflow = await commands.perOperation(runs, work);
      };
      const pgCommitsPerWorkflow = counter
        ? await counter.perOperation(runs, countRedis)
        : (await countRedis(), null);
      rows.push({ store, inFlight, ...rates[i], pgCommitsPerWorkflow, redisCommandsPerWorkflow });
      console.log(
        `${store}, ${inFlight} in flight: ${rates[i].workflow.perSecond.toFixed(0)} workflows/s, ${pgCommitsPerWorkflow?.toFixed(2) ?? '-'} commits/wf, ${redisCommandsPerWorkflow.toFixed(1)} Redis commands/wf`,
      );
    }
    const gates = [];
    for (let i = 0; i < RESUMES; i++) gates.push(await workflows.start('gate'));
    for (const gate of gates) await workflows.wait(gate.id, { timeoutMs: 30_000 });
    for (const gate of gates) {
      const began = performance.now();
      await workflows.resume(gate.id, { approved: true });
      const done = await workflows.wait(gate.id, { timeoutMs: 30_000 });
      if (done.status !== 'completed') throw new Error(`gate ${gate.id} ended ${done.status}`);
      latencies.push(performance.now() - began);
    }
  } finally {
    await rawEvents.close();
    await rawQueue.close();
    await stop(worker);
    await driver.close();
    await counter?.drop();
  }
  return { rows, resumeP50Ms: percentile(latencies, 50), resumeP99Ms: percentile(latencies, 99) };
}

async function main(): Promise<void> {
  // A server of the benchmark's own: every command it counts is this run's.
  const redisServer = new ScratchRedisServer(['--save', '', '--appendonly', 'no']);
  await redisServer.start();
  const admin = new Redis(redisServer.url);
  const commands = new CommandCounter(admin);
  const rows: Row[] = [];
  const resumes: { store: StoreName; p50Ms: number; p99Ms: number }[] = [];
  try {
    for (const store of STORES) {
      const result = await benchStore(store, redisServer.url, commands);
      rows.push(...result.rows);
      resumes.push({ store, p50Ms: result.resumeP50Ms, p99Ms: result.resumeP99Ms });
    }
  } finally {
    admin.disconnect();
    await redisServer.dispose();
  }

  const fixed = (n: number, digits = 0) => n.toFixed(digits);
  console.log(
    '\n' +
      table(
        [
          'store',
          'in flight',
          'workflows/s',
          'raw BullMQ jobs/s',
          'workflow/raw',
          'p50 ms',
          'p99 ms',
          'CPU ms/wf',
          'raw CPU ms/job',
          'pg commits/wf',
          'Redis cmds/wf',
        ],
        rows.map((r) => [
          r.store,
          r.inFlight,
          fixed(r.workflow.perSecond),
          fixed(r.raw.perSecond),
          fixed(r.workflow.perSecond / r.raw.perSecond, 2),
          fixed(r.workflow.p50Ms, 2),
          fixed(r.workflow.p99Ms, 2),
          fixed(r.workflow.cpuMsPerOp, 2),
          fixed(r.raw.cpuMsPerOp, 2),
          r.pgCommitsPerWorkflow === null ? '-' : fixed(r.pgCommitsPerWorkflow, 1),
          fixed(r.redisCommandsPerWorkflow, 1),
        ]),
      ),
  );
  console.log(
    '\n' +
      table(
        ['store', 'resume() to wait() p50 ms', 'p99 ms'],
        resumes.map((r) => [r.store, fixed(r.p50Ms, 1), fixed(r.p99Ms, 1)]),
      ),
  );
  writeResults('queue', {
    rounds: ROUNDS,
    roundMs: ROUND_MS,
    countedRuns: COUNTED_RUNS,
    workerProcesses: 1,
    concurrencyPerWorker: CONCURRENCY,
    resumes,
    results: rows,
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
