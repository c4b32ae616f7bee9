/**
 * The engine's throughput: a 10-step `assign` workflow run to completion with 1 and 16 in flight on
 * each store, beside the store's own checkpoint rate in the same run; the engine's own work per step
 * with the store taken out; and a 3-step workflow beside DBOS Transact on the same Postgres.
 * `npm run bench:engine`.
 */
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { type DurableWorkflowStore } from '../src';
import { WorkflowEngine, WorkflowRegistry } from '../src/engine';
import { DATABASE_URL, postgresBackend, redisBackend, sqliteBackend } from './support/backends';
import { checkpointLoop } from './support/checkpoint-loop';
import { launchDbos } from './support/dbos-peer';
import { nullStore } from './support/null-store';
import { median, percentile, table, timedLoops } from './support/stats';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 1500);
const IN_FLIGHT = [1, 16];

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

function engineOn(store: DurableWorkflowStore): WorkflowEngine {
  const registry = new WorkflowRegistry();
  registry.registerAll([assignSteps(10), assignSteps(3)]);
  return new WorkflowEngine({ store, registry });
}

/** Writes per execution of an n-step workflow run in process: one checkpoint per step (the first also creates it). */
const writesPerRun = (steps: number) => steps;

interface Rates {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

async function rounds(
  inFlight: number,
  operation: (worker: number) => Promise<void>,
): Promise<Rates> {
  await timedLoops(inFlight, 300, operation);
  const rates: number[] = [];
  const latencies: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const result = await timedLoops(inFlight, ROUND_MS, operation);
    rates.push(result.operations / result.seconds);
    latencies.push(...result.latenciesMs);
  }
  return {
    perSecond: median(rates),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

async function main(): Promise<void> {
  const engineRows: (string | number)[][] = [];
  const results: Record<string, unknown>[] = [];
  for (const open of [postgresBackend, sqliteBackend, redisBackend]) {
    const backend = await open();
    try {
      const engine = engineOn(backend.store);
      for (const inFlight of IN_FLIGHT) {
        const checkpoints = await rounds(
          inFlight,
          await checkpointLoop(backend.store, `raw-${inFlight}`, inFlight),
        );
        const runs = await rounds(inFlight, async () => {
          const run = await engine.run('assign10');
          if (run.status !== 'completed') throw new Error(`run ended ${run.status}`);
        });
        const ratio = (runs.perSecond * writesPerRun(10)) / checkpoints.perSecond;
        engineRows.push([
          backend.name,
          inFlight,
          checkpoints.perSecond.toFixed(0),
          runs.perSecond.toFixed(1),
          ratio.toFixed(2),
          runs.p50Ms.toFixed(2),
          runs.p99Ms.toFixed(2),
        ]);
        results.push({
          store: backend.name,
          inFlight,
          checkpointsPerSecond: checkpoints.perSecond,
          executionsPerSecond: runs.perSecond,
          writesPerExecution: writesPerRun(10),
          ratio,
          p50Ms: runs.p50Ms,
          p99Ms: runs.p99Ms,
        });
      }
    } finally {
      await backend.close();
    }
  }

  const bare = engineOn(nullStore());
  const overhead = await rounds(1, async () => {
    await bare.run('assign10');
  });
  const microsPerStep = 1e6 / (overhead.perSecond * 10);

  const peers = await comparePeers();

  console.log('10-step assign workflow, run to completion');
  console.log(
    table(
      [
        'store',
        'in flight',
        'store checkpoints/s',
        'executions/s',
        'engine/store',
        'p50 ms',
        'p99 ms',
      ],
      engineRows,
    ),
  );
  console.log(
    `\nengine/store = executions/s × ${writesPerRun(10)} writes per execution ÷ the store's checkpoints/s.`,
  );
  console.log(
    `Engine's own work with the store taken out: ${microsPerStep.toFixed(1)} µs per step.\n`,
  );
  console.log('3-step workflow beside DBOS Transact, same Postgres');
  console.log(
    table(['runner', 'in flight', 'workflows/s', 'p50 ms', 'p99 ms', '× DBOS'], peers.rows),
  );

  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(
    join(__dirname, 'results', 'engine.json'),
    `${JSON.stringify({ benchmark: 'engine', date: new Date().toISOString(), node: process.version, cpus: cpus().length, rounds: ROUNDS, roundMs: ROUND_MS, engine: results, engineMicrosPerStep: microsPerStep, peers: peers.figures }, null, 2)}\n`,
  );
}

async function comparePeers(): Promise<{
  rows: (string | number)[][];
  figures: Record<string, unknown>[];
}> {
  const rows: (string | number)[][] = [];
  const figures: Record<string, unknown>[] = [];
  const database = `dw_bench_dbos_${process.pid}`;
  const systemUrl = DATABASE_URL.replace(/\/[^/?]+(\?|$)/, `/${database}$1`);
  const dbos = await launchDbos(systemUrl);
  const backend = await postgresBackend();
  try {
    const engine = engineOn(backend.store);
    for (const inFlight of IN_FLIGHT) {
      const theirs = await rounds(inFlight, async () => {
        await dbos.run();
      });
      const ours = await rounds(inFlight, async () => {
        await engine.run('assign3');
      });
      rows.push([
        'DBOS Transact',
        inFlight,
        theirs.perSecond.toFixed(0),
        theirs.p50Ms.toFixed(2),
        theirs.p99Ms.toFixed(2),
        '1.00',
      ]);
      rows.push([
        'this engine (Postgres)',
        inFlight,
        ours.perSecond.toFixed(0),
        ours.p50Ms.toFixed(2),
        ours.p99Ms.toFixed(2),
        (ours.perSecond / theirs.perSecond).toFixed(2),
      ]);
      figures.push({ inFlight, dbos: theirs, ours, timesDbos: ours.perSecond / theirs.perSecond });
    }
  } finally {
    await dbos.shutdown();
    await backend.close();
    const admin = new Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
  return { rows, figures };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
