/**
 * The engine's throughput: a 10-step `assign` workflow run to completion with 1 and 16 in flight on
 * each store, beside the raw driver doing the same transactions (each run's ten checkpoints, the
 * first an insert, written by hand with the values the engine wrote; on Postgres and SQLite with
 * the store's own statement texts, on Redis the store's own checkpoint script called with EVALSHA
 * and the same arguments); the engine's own work per step
 * with the store taken out; and 3-step workflows (`assign` steps, `call` steps) beside DBOS Transact
 * on the same Postgres, with the commits each makes per workflow. Contenders take turns round by
 * round. `npm run bench:engine`.
 */
import 'reflect-metadata';
import { Client } from 'pg';
import { type DurableWorkflowStore } from '../src';
import { ServiceRegistry, WorkflowEngine, WorkflowRegistry } from '../src/engine';
import { alternatingRounds } from './support/alternating-rounds';
import { DATABASE_URL, postgresBackend, redisBackend, sqliteBackend } from './support/backends';
import { CommitCounter, withDatabase } from './support/commit-counter';
import { launchDbos } from './support/dbos-peer';
import { nullStore } from './support/null-store';
import { rawExecutionLoop } from './support/raw-execution-loop';
import { writeResults } from './support/results';
import { table } from './support/stats';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 1500);
const COUNTED_RUNS = Number(process.env.BENCH_COUNTED_RUNS ?? 300);
const IN_FLIGHT = [1, 16];
const rounds = { rounds: ROUNDS, roundMs: ROUND_MS };

const assignSteps = (count: number) => ({
  id: `assign${count}`,
  name: `${count} assign steps`,
  steps: Array.from({ length: count }, (_, i) => ({
    id: `s${i}`,
    type: 'assign',
    set: { [`v${i}`]: i, total: i },
    ...(i + 1 < count ? { next: `s${i + 1}` } : {}),
  })),
});

const callSteps = (count: number) => ({
  id: `call${count}`,
  name: `${count} call steps`,
  steps: Array.from({ length: count }, (_, i) => ({
    id: `s${i}`,
    type: 'call',
    service: 'trivial',
    method: 'step',
    output: `v${i}`,
    ...(i + 1 < count ? { next: `s${i + 1}` } : {}),
  })),
});

/** What DBOS's steps do: return at once. */
class TrivialService {
  async step(): Promise<number> {
    return 1;
  }
}

function engineOn(store: DurableWorkflowStore): WorkflowEngine {
  const registry = new WorkflowRegistry();
  registry.registerAll([assignSteps(10), assignSteps(3), callSteps(3)]);
  const services = new ServiceRegistry({ trivial: new TrivialService() });
  return new WorkflowEngine({ store, registry, services });
}

/** Writes per execution of an n-step workflow run in process: one checkpoint per step (the first also creates it). */
const writesPerRun = (steps: number) => steps;

async function runCompleted(engine: WorkflowEngine, workflowId: string): Promise<void> {
  const run = await engine.run(workflowId);
  if (run.status !== 'completed') throw new Error(`${workflowId} ended ${run.status}`);
}

async function compareStores(): Promise<{
  rows: (string | number)[][];
  figures: Record<string, unknown>[];
}> {
  const rows: (string | number)[][] = [];
  const figures: Record<string, unknown>[] = [];
  for (const open of [postgresBackend, sqliteBackend, redisBackend]) {
    const backend = await open();
    try {
      const engine = engineOn(backend.store);
      for (const inFlight of IN_FLIGHT) {
        const measured = await alternatingRounds(
          inFlight,
          {
            raw: await rawExecutionLoop(backend, (store) =>
              runCompleted(engineOn(store), 'assign10'),
            ),
            engine: () => runCompleted(engine, 'assign10'),
          },
          rounds,
        );
        const ratio = measured.engine.perSecond / measured.raw.perSecond;
        rows.push([
          backend.name,
          inFlight,
          measured.raw.perSecond.toFixed(1),
          measured.engine.perSecond.toFixed(1),
          ratio.toFixed(2),
          measured.engine.p50Ms.toFixed(2),
          measured.engine.p99Ms.toFixed(2),
          measured.raw.cpuMicrosPerOperation.toFixed(0),
          measured.engine.cpuMicrosPerOperation.toFixed(0),
        ]);
        figures.push({
          store: backend.name,
          inFlight,
          rawExecutionsPerSecond: measured.raw.perSecond,
          executionsPerSecond: measured.engine.perSecond,
          writesPerExecution: writesPerRun(10),
          engineOverRaw: ratio,
          p50Ms: measured.engine.p50Ms,
          p99Ms: measured.engine.p99Ms,
          rawCpuMicrosPerExecution: measured.raw.cpuMicrosPerOperation,
          cpuMicrosPerExecution: measured.engine.cpuMicrosPerOperation,
          rounds: { raw: measured.raw.rounds, engine: measured.engine.rounds },
        });
      }
    } finally {
      await backend.close();
    }
  }
  return { rows, figures };
}

async function comparePeers(): Promise<{
  rows: (string | number)[][];
  figures: Record<string, unknown>[];
}> {
  const rows: (string | number)[][] = [];
  const figures: Record<string, unknown>[] = [];
  const dbosDatabase = `dw_bench_dbos_${process.pid}`;
  const dbos = await launchDbos(withDatabase(DATABASE_URL, dbosDatabase));
  const ours = await CommitCounter.create(DATABASE_URL, 'engine');
  const theirs = await CommitCounter.of(DATABASE_URL, dbosDatabase);
  const backend = await postgresBackend(ours.url);
  try {
    const engine = engineOn(backend.store);
    const commits = {
      dbos: await theirs.perOperation(COUNTED_RUNS, () => repeat(COUNTED_RUNS, dbos.run)),
      assign3: await ours.perOperation(COUNTED_RUNS, () =>
        repeat(COUNTED_RUNS, () => runCompleted(engine, 'assign3')),
      ),
      call3: await ours.perOperation(COUNTED_RUNS, () =>
        repeat(COUNTED_RUNS, () => runCompleted(engine, 'call3')),
      ),
    };
    for (const inFlight of IN_FLIGHT) {
      const measured = await alternatingRounds(
        inFlight,
        {
          dbos: async () => {
            await dbos.run();
          },
          assign3: () => runCompleted(engine, 'assign3'),
          call3: () => runCompleted(engine, 'call3'),
        },
        rounds,
      );
      const label = {
        dbos: 'DBOS Transact (3 steps)',
        assign3: 'this engine, 3 assign steps',
        call3: 'this engine, 3 call steps',
      };
      for (const runner of ['dbos', 'assign3', 'call3'] as const) {
        const rates = measured[runner];
        rows.push([
          label[runner],
          inFlight,
          rates.perSecond.toFixed(0),
          rates.p50Ms.toFixed(2),
          rates.p99Ms.toFixed(2),
          (rates.perSecond / measured.dbos.perSecond).toFixed(2),
          commits[runner].toFixed(1),
        ]);
      }
      figures.push({ inFlight, ...measured, commitsPerWorkflow: commits });
    }
  } finally {
    await dbos.shutdown();
    await backend.close();
    await ours.drop();
    await theirs.drop();
  }
  return { rows, figures };
}

async function repeat(times: number, operation: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < times; i++) await operation();
}

async function main(): Promise<void> {
  const stores = await compareStores();

  const bare = engineOn(nullStore());
  const overhead = await alternatingRounds(
    1,
    { bare: () => runCompleted(bare, 'assign10') },
    rounds,
  );
  const microsPerStep = 1e6 / (overhead.bare.perSecond * 10);

  const peers = await comparePeers();

  console.log('10-step assign workflow, run to completion');
  console.log(
    table(
      [
        'store',
        'in flight',
        'raw executions/s',
        'executions/s',
        'engine/raw',
        'p50 ms',
        'p99 ms',
        'raw CPU µs/execution',
        'CPU µs/execution',
      ],
      stores.rows,
    ),
  );
  console.log(
    `\nengine/raw = executions/s ÷ the raw driver's executions/s: the same ${writesPerRun(10)} transactions per execution, by hand, in alternating rounds. CPU µs/execution: this process's CPU time per execution (the client's work), median of the rounds.`,
  );
  console.log(
    `Engine's own work with the store taken out: ${microsPerStep.toFixed(1)} µs per step.\n`,
  );
  console.log('3-step workflows beside DBOS Transact, same Postgres');
  console.log(
    table(
      ['runner', 'in flight', 'workflows/s', 'p50 ms', 'p99 ms', '× DBOS', 'commits/wf'],
      peers.rows,
    ),
  );
  console.log(
    `\ncommits/wf: pg_stat_database.xact_commit of a database of its own over ${COUNTED_RUNS} workflows, one at a time.`,
  );
  const admin = new Client({ connectionString: DATABASE_URL });
  await admin.connect();
  const postgres = (await admin.query<{ v: string }>("SELECT current_setting('server_version') v"))
    .rows[0].v;
  await admin.end();
  writeResults('engine', {
    rounds: ROUNDS,
    roundMs: ROUND_MS,
    postgres,
    engine: stores.figures,
    engineMicrosPerStep: microsPerStep,
    peers: peers.figures,
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
