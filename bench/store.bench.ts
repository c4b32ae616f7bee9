/**
 * Per-step checkpoint throughput of each store (one entry plus the execution update), with 1 and 16
 * executions in flight, beside a raw-driver baseline doing the same writes in the same run.
 * Rounds alternate raw and store; medians are reported. `npm run bench:store`.
 */
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { postgresBackend, redisBackend, sqliteBackend, type Backend } from './support/backends';
import { checkpointLoop } from './support/checkpoint-loop';
import { rawCheckpointLoop } from './support/raw-checkpoint-loop';
import { median, percentile, table, timedLoops } from './support/stats';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 1500);
const IN_FLIGHT = [1, 16];

interface Row {
  store: string;
  inFlight: number;
  rawPerSecond: number;
  storePerSecond: number;
  ratio: number;
  storeP50Ms: number;
  storeP99Ms: number;
  rawP50Ms: number;
  rawRounds: number[];
  storeRounds: number[];
}

async function measure(backend: Backend, inFlight: number): Promise<Row> {
  const workflowId = `bench-${inFlight}`;
  const viaStore = await checkpointLoop(backend.store, workflowId, inFlight);
  const viaRaw = await rawCheckpointLoop(backend, `${workflowId}-raw`, inFlight);
  await timedLoops(inFlight, 300, viaRaw);
  await timedLoops(inFlight, 300, viaStore);

  const rawRounds: number[] = [];
  const storeRounds: number[] = [];
  const storeLatencies: number[] = [];
  const rawLatencies: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const raw = await timedLoops(inFlight, ROUND_MS, viaRaw);
    const store = await timedLoops(inFlight, ROUND_MS, viaStore);
    rawRounds.push(raw.operations / raw.seconds);
    storeRounds.push(store.operations / store.seconds);
    rawLatencies.push(...raw.latenciesMs);
    storeLatencies.push(...store.latenciesMs);
  }
  const rawPerSecond = median(rawRounds);
  const storePerSecond = median(storeRounds);
  return {
    store: backend.name,
    inFlight,
    rawPerSecond,
    storePerSecond,
    ratio: storePerSecond / rawPerSecond,
    storeP50Ms: percentile(storeLatencies, 50),
    storeP99Ms: percentile(storeLatencies, 99),
    rawP50Ms: percentile(rawLatencies, 50),
    rawRounds,
    storeRounds,
  };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const versions: Record<string, string> = {};
  for (const open of [postgresBackend, sqliteBackend, redisBackend]) {
    const backend = await open();
    try {
      versions[backend.name] = await backend.version();
      for (const inFlight of IN_FLIGHT) rows.push(await measure(backend, inFlight));
    } finally {
      await backend.close();
    }
  }
  const fixed = (n: number, digits = 0) => n.toFixed(digits);
  console.log(
    table(
      ['store', 'in flight', 'raw/s', 'store/s', 'store/raw', 'store p50 ms', 'store p99 ms'],
      rows.map((r) => [
        r.store,
        r.inFlight,
        fixed(r.rawPerSecond),
        fixed(r.storePerSecond),
        fixed(r.ratio, 2),
        fixed(r.storeP50Ms, 2),
        fixed(r.storeP99Ms, 2),
      ]),
    ),
  );
  console.log(
    `\nMedians of ${ROUNDS} alternating rounds of ${ROUND_MS} ms. Raw baselines: one pg statement (CTE), one better-sqlite3 transaction, one ioredis MULTI; the raw forms skip the revision check and JSON-safety check the stores make.`,
  );
  const results = {
    benchmark: 'store checkpoint',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    versions,
    rounds: ROUNDS,
    roundMs: ROUND_MS,
    rows,
  };
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'store.json'), `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
