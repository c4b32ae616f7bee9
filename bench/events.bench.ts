/**
 * One event delivery among 100,000 executions halted at an `event` step, each waiting on its own
 * key, beside `store.load` of one execution in the same run: sending an event reads the waits of its
 * key, never the others, so its cost does not grow with them. A delivery is the whole of
 * `sendEvent` (keep the event, look up the waits, load, resume the execution to its end, mark the
 * event delivered).
 * Scratch schema / key prefix, removed after. `npm run bench:events`.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { waitIndexOf, type DurableWorkflowStore, type Execution } from '../src';
import { EventDelivery, WorkflowEngine, WorkflowRegistry } from '../src/engine';
import { postgresBackend, redisBackend, sqliteBackend, type Backend } from './support/backends';
import { writeResults } from './support/results';
import { percentile, table } from './support/stats';

const WAITING = Number(process.env.BENCH_WAITING ?? 100_000);
/** The same measurement with few executions waiting, in the same run: the cost must not grow. */
const CONTROL = Number(process.env.BENCH_CONTROL ?? 1000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
const EVENT = 'bench.paid';
const BATCH = 5000;

const workflow = {
  id: 'bench-events',
  name: 'Waits for its payment',
  inputs: { orderId: { type: 'string' } },
  steps: [
    { id: 'paid', type: 'event', name: EVENT, match: { orderId: '$orderId' }, output: 'payment' },
  ],
};

/** An execution as the engine leaves it halted at the event step. */
function waitingExecution(i: number, now: Date): Execution {
  const orderId = `order-${i}`;
  return {
    id: randomUUID(),
    workflowId: workflow.id,
    workflowVersion: '1',
    status: 'halted',
    input: { orderId },
    ctx: { orderId },
    currentStep: 'paid',
    result: null,
    recoverTo: null,
    haltData: { type: 'event', name: EVENT, match: { orderId }, waiting_since: now.toISOString() },
    error: null,
    runtime: { frames: [], response: null, approved: null, halts: 1 },
    createdAt: now,
    updatedAt: now,
  };
}

/** Fills the store: bulk statements on Postgres, many checkpoints in flight elsewhere. */
async function fill(backend: Backend, waiting: number): Promise<string[]> {
  const now = new Date();
  const ids: string[] = [];
  for (let start = 0; start < waiting; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, waiting - start) }, (_, n) =>
      waitingExecution(start + n, now),
    );
    ids.push(...batch.map((e) => e.id));
    if (backend.sql) await bulkPostgres(backend.sql, batch);
    else {
      const store = backend.store;
      await Promise.all(
        batch.map((e) =>
          store.checkpoint(e, [], { eventWait: waitIndexOf(EVENT, e.haltData!['match'] as never) }),
        ),
      );
    }
  }
  return ids;
}

async function bulkPostgres(sql: NonNullable<Backend['sql']>, batch: Execution[]): Promise<void> {
  const s = sql.schema;
  const rows = batch.map((e) => ({
    id: e.id,
    input: e.input,
    halt: e.haltData,
    runtime: e.runtime,
    key: waitIndexOf(EVENT, e.haltData!['match'] as never).key,
  }));
  await sql.query(
    `INSERT INTO ${s}.workflow_executions (id, workflow_id, workflow_version, status, input, ctx,
       current_step, result, recover_to, halt_data, error, runtime, revision, entry_count, created_at,
       updated_at)
     SELECT r.id, $2, '1', 'halted', r.input, r.input, 'paid', 'null'::jsonb, NULL, r.halt, NULL,
       r.runtime, 1, 0, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
     FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, input jsonb, halt jsonb, runtime jsonb)`,
    [JSON.stringify(rows), workflow.id],
  );
  await sql.query(
    `INSERT INTO ${s}.workflow_event_waits (execution_id, name, match_key)
     SELECT r.id, $2, r.key FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, key text)`,
    [JSON.stringify(rows), EVENT],
  );
  await sql.query(
    `INSERT INTO ${s}.workflow_event_shapes (name, fields) VALUES ($1, '["orderId"]')
     ON CONFLICT DO NOTHING`,
    [EVENT],
  );
}

interface Row {
  store: string;
  waiting: number;
  samples: number;
  fillSeconds: number;
  deliveryP50Ms: number;
  deliveryP95Ms: number;
  lookupP50Ms: number;
  lookupP95Ms: number;
  loadP50Ms: number;
  loadP95Ms: number;
  delivered: number;
}

async function measure(backend: Backend, waiting: number): Promise<Row> {
  const store: DurableWorkflowStore = backend.store;
  const began = performance.now();
  const ids = await fill(backend, waiting);
  const fillSeconds = (performance.now() - began) / 1000;
  const registry = new WorkflowRegistry();
  registry.register(workflow);
  const engine = new WorkflowEngine({ store, registry });
  const delivery = new EventDelivery({
    store,
    now: () => new Date(),
    resume: (id, payload) => engine.resume(id, payload),
  });
  const order = Array.from({ length: ids.length }, (_, i) => i).sort(() => Math.random() - 0.5);
  const deliveries: number[] = [];
  const lookups: number[] = [];
  const loads: number[] = [];
  let delivered = 0;
  for (let n = 0; n < SAMPLES + 20; n++) {
    const i = order[n];
    const loadStart = performance.now();
    await store.load(ids[order[order.length - 1 - n]]);
    const loadMs = performance.now() - loadStart;
    // The index alone: what sendEvent reads before it resumes anything.
    const lookupStart = performance.now();
    const shapes = await store.eventWaitShapes(EVENT);
    await store.eventWaiters([
      waitIndexOf(EVENT, { orderId: `order-${order[order.length - 1 - n]}` }).key,
    ]);
    const lookupMs = performance.now() - lookupStart;
    const sendStart = performance.now();
    const result = await delivery.send(EVENT, { orderId: `order-${i}`, amount: 10 });
    const sendMs = performance.now() - sendStart;
    if (shapes.length !== 1 || result.delivered.length !== 1)
      throw new Error(`delivery ${n} reached ${result.delivered.length} executions`);
    // The first rounds warm connections and statement caches.
    if (n < 20) continue;
    delivered += result.delivered.length;
    loads.push(loadMs);
    lookups.push(lookupMs);
    deliveries.push(sendMs);
  }
  return {
    store: backend.name,
    waiting: ids.length,
    samples: SAMPLES,
    fillSeconds,
    deliveryP50Ms: percentile(deliveries, 50),
    deliveryP95Ms: percentile(deliveries, 95),
    lookupP50Ms: percentile(lookups, 50),
    lookupP95Ms: percentile(lookups, 95),
    loadP50Ms: percentile(loads, 50),
    loadP95Ms: percentile(loads, 95),
    delivered,
  };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const versions: Record<string, string> = {};
  for (const open of [postgresBackend, redisBackend, sqliteBackend]) {
    for (const waiting of [CONTROL, WAITING]) {
      const backend = await open();
      try {
        versions[backend.name] = await backend.version();
        rows.push(await measure(backend, waiting));
      } finally {
        await backend.close();
      }
    }
  }
  const ms = (n: number) => n.toFixed(2);
  console.log(
    table(
      [
        'store',
        'halted, waiting',
        'delivery p50 ms',
        'delivery p95 ms',
        'index lookup p50 ms',
        'load p50 ms',
        'load p95 ms',
      ],
      rows.map((r) => [
        r.store,
        r.waiting,
        ms(r.deliveryP50Ms),
        ms(r.deliveryP95Ms),
        ms(r.lookupP50Ms),
        ms(r.loadP50Ms),
        ms(r.loadP95Ms),
      ]),
    ),
  );
  console.log(
    `\n${SAMPLES} deliveries per store, each to one of ${WAITING} executions waiting on distinct keys (and, as a control, of ${CONTROL}), chosen at random; a delivery is sendEvent whole (keep the event, read the index, load, resume the execution to its end: two checkpoints; mark the event delivered). Loads of other waiting executions are timed in the same loop.`,
  );
  writeResults('events', { waiting: WAITING, control: CONTROL, samples: SAMPLES, versions, rows });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
