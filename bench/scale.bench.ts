/**
 * How a step's cost grows with what the execution holds: a `loop` over 10 to 10,000 items with one
 * `call` in its body (time and bytes written per item), and a 10-step workflow carrying 1 KB, 100 KB
 * or 1 MB, once in its context (a call returns it) and once in its input (time and bytes per step).
 * Bytes are what the store made the server write: WAL bytes on a Postgres cluster of the
 * benchmark's own, bytes received by a redis-server of its own, bytes this process wrote for
 * SQLite. A size whose run would take longer than BENCH_SCALE_BUDGET_S (default 120 s) is skipped and said so.
 * `npm run bench:scale`.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { ServiceRegistry, WorkflowEngine, WorkflowRegistry } from '../src/engine';
import { ScratchRedisServer } from '../test/support/redis-server';
import { postgresBackend, redisBackend, sqliteBackend, type Backend } from './support/backends';
import { writeResults } from './support/results';
import { ScratchPostgres } from './support/scratch-postgres';
import { median, table } from './support/stats';

const LOOP_SIZES = (process.env.BENCH_LOOP_SIZES ?? '10,100,1000,10000').split(',').map(Number);
const CARRIED_BYTES = [1_024, 100 * 1_024, 1_024 * 1_024];
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const BUDGET_MS = Number(process.env.BENCH_SCALE_BUDGET_S ?? 120) * 1000;

const loopWorkflow = {
  id: 'loop',
  name: 'A call per item',
  steps: [
    {
      id: 'each',
      type: 'loop',
      over: '$input.items',
      as: 'item',
      max: 10_000,
      output: 'results',
      do: [
        {
          id: 'double',
          type: 'call',
          service: 'trivial',
          method: 'double',
          input: '$item',
          output: 'doubled',
        },
      ],
    },
  ],
};

const carryWorkflow = (where: 'ctx' | 'input') => ({
  id: `carry_${where}`,
  name: `Ten steps carrying a value in its ${where}`,
  steps: Array.from({ length: 10 }, (_, i) =>
    i === 0 && where === 'ctx'
      ? {
          id: 's0',
          type: 'call',
          service: 'trivial',
          method: 'blob',
          input: '$input.bytes',
          output: 'blob',
          next: 's1',
        }
      : {
          id: `s${i}`,
          type: 'assign',
          set: { [`v${i}`]: i },
          ...(i < 9 ? { next: `s${i + 1}` } : {}),
        },
  ),
});

class TrivialService {
  async double(n: number): Promise<number> {
    return n * 2;
  }
  async blob(bytes: number): Promise<string> {
    return incompressible(bytes);
  }
}

/** Random text: a database cannot compress it away, as it would a repeated character. */
function incompressible(bytes: number): string {
  return randomBytes(Math.ceil((bytes * 3) / 4))
    .toString('base64')
    .slice(0, bytes);
}

/** What a store made its server write, read before and after a run. */
interface BytesMeter {
  read(): Promise<number>;
}

const walMeter = (client: Client): BytesMeter => ({
  read: async () =>
    Number(
      (
        await client.query<{ b: string }>(
          "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0') AS b",
        )
      ).rows[0].b,
    ),
});

const redisInputMeter = (client: Redis): BytesMeter => ({
  read: async () =>
    Number(/total_net_input_bytes:(\d+)/.exec(await client.info('stats'))?.[1] ?? NaN),
});

/** Bytes this process wrote to storage (SQLite writes from this process). */
const processWriteMeter: BytesMeter = {
  read: async () => Number(/write_bytes: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1]),
};

interface Measured {
  ms: number;
  bytes: number;
}

async function measureRun(
  engine: WorkflowEngine,
  meter: BytesMeter,
  workflowId: string,
  input: Record<string, unknown>,
): Promise<Measured> {
  const bytesBefore = await meter.read();
  const began = performance.now();
  const run = await engine.run(workflowId, input);
  const ms = performance.now() - began;
  if (run.status !== 'completed')
    throw new Error(`${workflowId} ended ${run.status}: ${run.error}`);
  return { ms, bytes: (await meter.read()) - bytesBefore };
}

interface Row {
  store: string;
  shape: string;
  size: number;
  /** Per loop item, or per step. */
  msPer: number | null;
  kbPer: number | null;
  skipped?: string;
}

async function onStore(backend: Backend, meter: BytesMeter): Promise<Row[]> {
  const registry = new WorkflowRegistry();
  registry.registerAll([loopWorkflow, carryWorkflow('ctx'), carryWorkflow('input')]);
  const engine = new WorkflowEngine({
    store: backend.store,
    registry,
    services: new ServiceRegistry({ trivial: new TrivialService() }),
  });
  const rows: Row[] = [];
  let msPerItem = 0;
  for (const size of LOOP_SIZES) {
    if (msPerItem * size > BUDGET_MS) {
      const projected = Math.round((msPerItem * size) / 1000);
      rows.push({
        store: backend.name,
        shape: 'loop item',
        size,
        msPer: null,
        kbPer: null,
        skipped: `projected ${projected} s`,
      });
      continue;
    }
    const items = Array.from({ length: size }, (_, i) => i);
    const runs: Measured[] = [];
    for (let r = 0; r < (size >= 1000 ? 1 : REPEATS); r++) {
      runs.push(await measureRun(engine, meter, 'loop', { items }));
    }
    msPerItem = median(runs.map((r) => r.ms)) / size;
    rows.push({
      store: backend.name,
      shape: 'loop item',
      size,
      msPer: msPerItem,
      kbPer: median(runs.map((r) => r.bytes)) / size / 1024,
    });
  }
  for (const where of ['ctx', 'input'] as const) {
    for (const bytes of CARRIED_BYTES) {
      const input = where === 'ctx' ? { bytes } : { blob: incompressible(bytes) };
      const runs: Measured[] = [];
      for (let r = 0; r < REPEATS; r++) {
        runs.push(await measureRun(engine, meter, `carry_${where}`, input));
      }
      rows.push({
        store: backend.name,
        shape: `step, value in ${where}`,
        size: bytes,
        msPer: median(runs.map((r) => r.ms)) / 10,
        kbPer: median(runs.map((r) => r.bytes)) / 10 / 1024,
      });
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const postgres = new ScratchPostgres();
  const redisServer = new ScratchRedisServer(['--save', '', '--appendonly', 'no']);
  const rows: Row[] = [];
  try {
    await postgres.start();
    await redisServer.start();
    const pg = new Client({ connectionString: postgres.url });
    await pg.connect();
    // The cluster is stopped at the end; an error then must not hide the run's own.
    pg.on('error', () => undefined);
    const redis = new Redis(redisServer.url);
    const stores: [() => Promise<Backend>, BytesMeter][] = [
      [() => postgresBackend(postgres.url), walMeter(pg)],
      [sqliteBackend, processWriteMeter],
      [() => redisBackend(redisServer.url), redisInputMeter(redis)],
    ];
    for (const [open, meter] of stores) {
      const backend = await open();
      try {
        rows.push(...(await onStore(backend, meter)));
      } finally {
        await backend.close();
      }
    }
    await pg.end();
    redis.disconnect();
  } finally {
    await postgres.dispose();
    await redisServer.dispose();
  }
  const size = (row: Row) =>
    row.shape === 'loop item' ? `${row.size} items` : `${Math.round(row.size / 1024)} KB`;
  console.log(
    table(
      ['store', 'what', 'size', 'ms per', 'KB written per'],
      rows.map((row) => [
        row.store,
        row.shape,
        size(row),
        row.msPer === null ? `skipped (${row.skipped})` : row.msPer.toFixed(2),
        row.kbPer === null ? '' : row.kbPer.toFixed(1),
      ]),
    ),
  );
  console.log(
    '\nKB written: WAL on Postgres, bytes received by Redis, bytes this process wrote for SQLite; per loop item or per step.',
  );
  writeResults('scale', { repeats: REPEATS, budgetSeconds: BUDGET_MS / 1000, rows });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
