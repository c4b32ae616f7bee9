/**
 * Queue mode's throughput: a 3-step workflow started through BullMQ and run to completion by 1, 2
 * and 4 worker processes, beside bare BullMQ workers doing empty jobs in the same run; resume
 * latency (from `resume()` to the next step completed, and to `wait()` returning) p50 and p99; the
 * commits one workflow costs, `start()` to `wait()` returning, with one worker process; and where
 * the time goes: cores used by the workers, the driver, Postgres and Redis, Postgres commits and
 * Redis commands per second. Workflow and bare-BullMQ rounds take turns. `npm run bench:queue`
 * (BENCH_WORKERS=1,2 picks the counts).
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { WorkflowService } from '../src';
import { DATABASE_URL, REDIS_URL } from './support/backends';
import { CommitCounter } from './support/commit-counter';
import { bootQueueBenchApp, type QueueBenchConfig } from './support/queue-bench-app';
import { coresBetween, sampleCpu, type CpuSample } from './support/process-cpu';
import { writeResults } from './support/results';
import { median, percentile, table } from './support/stats';

const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const EXECUTIONS = Number(process.env.BENCH_EXECUTIONS ?? 1000);
const RESUMES = Number(process.env.BENCH_RESUMES ?? 60);
const COUNTED_RUNS = Number(process.env.BENCH_COUNTED_RUNS ?? 200);
const CONCURRENCY = 16;
const ENQUEUE_BATCH = 100;

interface Round {
  perSecond: number;
  cores: CpuSample;
  pgCommitsPerSecond: number;
  redisCommandsPerSecond: number;
}

function spawnWorker(kind: 'workflow' | 'raw', config: object): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      join(__dirname, 'support', 'queue-bench-worker.ts'),
      kind,
      JSON.stringify(config),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.stdout.on(
      'data',
      (chunk: Buffer) => chunk.toString().includes('ready') && resolve(child),
    );
    child.once('exit', (code) => reject(new Error(`bench worker exited early with ${code}`)));
  });
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          child.removeAllListeners('exit');
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** Counters outside the processes: Postgres commits and Redis commands so far. */
async function serverCounters(pg: Client, redis: Redis) {
  const { rows } = await pg.query<{ commits: string }>(
    `SELECT xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()`,
  );
  const info = await redis.info('stats');
  const commands = Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0);
  return { commits: Number(rows[0].commits), commands };
}

/** Runs `enqueue` `count` times in batches and waits until `done()` says all finished. */
async function measureRound(
  workers: ChildProcess[],
  pg: Client,
  redis: Redis,
  count: number,
  enqueue: (i: number) => Promise<unknown>,
  finished: () => Promise<boolean>,
): Promise<Round> {
  const pids = workers.map((w) => w.pid!);
  const cpuBefore = sampleCpu({ workers: pids });
  const countersBefore = await serverCounters(pg, redis);
  const started = performance.now();
  for (let i = 0; i < count; i += ENQUEUE_BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(ENQUEUE_BATCH, count - i) }, (_, j) => enqueue(i + j)),
    );
  }
  while (!(await finished())) await delay(20);
  const seconds = (performance.now() - started) / 1000;
  const countersAfter = await serverCounters(pg, redis);
  return {
    perSecond: count / seconds,
    cores: coresBetween(cpuBefore, sampleCpu({ workers: pids }), seconds),
    pgCommitsPerSecond: (countersAfter.commits - countersBefore.commits) / seconds,
    redisCommandsPerSecond: (countersAfter.commands - countersBefore.commands) / seconds,
  };
}

function summarize(rounds: Round[]) {
  const pick = (f: (r: Round) => number) => median(rounds.map(f));
  return {
    perSecond: pick((r) => r.perSecond),
    cores: {
      workers: pick((r) => r.cores.workers),
      driver: pick((r) => r.cores.driver),
      postgres: pick((r) => r.cores.postgres),
      redis: pick((r) => r.cores.redis),
    },
    pgCommitsPerSecond: pick((r) => r.pgCommitsPerSecond),
    redisCommandsPerSecond: pick((r) => r.redisCommandsPerSecond),
    rounds: rounds.map((r) => r.perSecond),
  };
}

async function main(): Promise<void> {
  const schema = `dw_qbench_${randomBytes(4).toString('hex')}`;
  const prefix = `dw-qbench-${randomBytes(4).toString('hex')}`;
  const rawQueueName = 'raw-bench';
  // A database of its own, so its commit count is this benchmark's alone.
  const counter = await CommitCounter.create(DATABASE_URL, 'queue');
  const pg = new Client({ connectionString: counter.url });
  await pg.connect();
  await pg.query(`CREATE SCHEMA ${schema}`);
  const redis = new Redis(REDIS_URL);
  const config: QueueBenchConfig = {
    databaseUrl: counter.url,
    schema,
    prefix,
    worker: false,
    concurrency: CONCURRENCY,
  };
  const driver = await bootQueueBenchApp(config);
  const workflows = driver.get(WorkflowService);
  const rawQueue = new Queue(rawQueueName, { connection: { url: REDIS_URL }, prefix });
  const completed = async (workflowId: string) =>
    Number(
      (
        await pg.query<{ n: string }>(
          `SELECT count(*) AS n FROM ${schema}.workflow_executions WHERE workflow_id = $1 AND status = 'completed'`,
          [workflowId],
        )
      ).rows[0].n,
    );

  const results = [];
  try {
    for (const count of WORKER_COUNTS) {
      const workers = await Promise.all(
        Array.from({ length: count }, () => spawnWorker('workflow', { ...config, worker: true })),
      );
      let target = await completed('three');
      const runWorkflows = async (n: number) => {
        target += n;
        const goal = target;
        return measureRound(
          workers,
          pg,
          redis,
          n,
          () => workflows.start('three'),
          async () => (await completed('three')) >= goal,
        );
      };
      const raw = await Promise.all(
        Array.from({ length: count }, () =>
          spawnWorker('raw', { prefix, queue: rawQueueName, concurrency: CONCURRENCY }),
        ),
      );
      const runRaw = (n: number) =>
        measureRound(
          raw,
          pg,
          redis,
          n,
          () => rawQueue.add('empty', {}, { removeOnComplete: true }),
          async () => {
            const counts = await rawQueue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
            return Object.values(counts).every((c) => c === 0);
          },
        );
      await runWorkflows(200);
      await runRaw(500);
      const workflowRounds: Round[] = [];
      const rawRounds: Round[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        workflowRounds.push(await runWorkflows(EXECUTIONS));
        rawRounds.push(await runRaw(EXECUTIONS * 3));
      }
      await stopAll(raw);

      const latencies: number[] = [];
      const waitLatencies: number[] = [];
      const gates = [];
      for (let i = 0; i < RESUMES; i++) gates.push(await workflows.start('gate'));
      for (const gate of gates) await workflows.wait(gate.id, { timeoutMs: 30_000 });
      for (const gate of gates) {
        const began = Date.now();
        await workflows.resume(gate.id, { approved: true });
        const done = await workflows.wait(gate.id, { timeoutMs: 30_000 });
        if (done.status !== 'completed') throw new Error(`gate ${gate.id} ended ${done.status}`);
        waitLatencies.push(Date.now() - began);
        const entries = await workflows.entries(gate.id);
        const after = entries.find((e) => e.stepId === 'after' && e.action === 'completed')!;
        latencies.push(after.timestamp.getTime() - began);
      }
      const commitsPerWorkflow =
        count === 1
          ? await counter.perOperation(COUNTED_RUNS, async () => {
              for (let i = 0; i < COUNTED_RUNS; i++) {
                const started = await workflows.start('three');
                await workflows.wait(started.id, { timeoutMs: 30_000 });
              }
            })
          : null;
      await stopAll(workers);

      results.push({
        workers: count,
        workflow: summarize(workflowRounds),
        raw: summarize(rawRounds),
        resumeP50Ms: percentile(latencies, 50),
        resumeP99Ms: percentile(latencies, 99),
        waitP50Ms: percentile(waitLatencies, 50),
        waitP99Ms: percentile(waitLatencies, 99),
        commitsPerWorkflow,
      });
      const last = results[results.length - 1];
      console.log(
        `${count} worker process(es): ${last.workflow.perSecond.toFixed(0)} executions/s, raw BullMQ ${last.raw.perSecond.toFixed(0)} jobs/s, resume p50 ${last.resumeP50Ms} ms, resume-to-wait() p50 ${last.waitP50Ms} ms`,
      );
    }
  } finally {
    await rawQueue.obliterate({ force: true }).catch(() => undefined);
    await rawQueue.close();
    await driver.close();
    await pg.end();
    await counter.drop();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }

  const fixed = (n: number, digits = 0) => n.toFixed(digits);
  console.log(
    '\n' +
      table(
        [
          'worker processes',
          'workflows/s',
          'raw BullMQ jobs/s',
          'workflow/raw',
          'resume p50 ms',
          'resume p99 ms',
          'wait() p50 ms',
          'wait() p99 ms',
        ],
        results.map((r) => [
          r.workers,
          fixed(r.workflow.perSecond),
          fixed(r.raw.perSecond),
          fixed(r.workflow.perSecond / r.raw.perSecond, 2),
          r.resumeP50Ms,
          r.resumeP99Ms,
          r.waitP50Ms,
          r.waitP99Ms,
        ]),
      ),
  );
  console.log(
    '\n' +
      table(
        [
          'worker processes',
          'cores: workers',
          'driver',
          'postgres',
          'redis',
          'total',
          'pg commits/s',
          'redis cmds/s',
        ],
        results.map((r) => {
          const c = r.workflow.cores;
          return [
            r.workers,
            fixed(c.workers, 2),
            fixed(c.driver, 2),
            fixed(c.postgres, 2),
            fixed(c.redis, 2),
            fixed(c.workers + c.driver + c.postgres + c.redis, 2),
            fixed(r.workflow.pgCommitsPerSecond),
            fixed(r.workflow.redisCommandsPerSecond),
          ];
        }),
      ),
  );
  const counted = results.find((r) => r.commitsPerWorkflow !== null);
  if (counted?.commitsPerWorkflow != null) {
    console.log(
      `\nCommits per workflow, start() to wait() returning, ${COUNTED_RUNS} one at a time, one worker process: ${counted.commitsPerWorkflow.toFixed(1)} (pg_stat_database.xact_commit of a database of its own; reads count).`,
    );
  }
  writeResults('queue', {
    rounds: ROUNDS,
    executionsPerRound: EXECUTIONS,
    concurrencyPerWorker: CONCURRENCY,
    resumes: RESUMES,
    results,
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
