/**
 * What the recovery sweep reads while many executions wait in line for a concurrency slot:
 * `findClaimable` (its page of 200) and `findLapsedSlots`, on a store with WAITING executions in
 * line behind one held slot, and on one with none waiting, sampled in alternating rounds in the
 * same run. Each store also holds one crashed execution (running, no lease) created after every
 * waiter: every page must return it and no waiter. Scratch schema / key prefix, removed after.
 * `npm run bench:sweep`.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { DurableWorkflowStore, Execution } from '../src';
import { postgresBackend, redisBackend, sqliteBackend, type Backend } from './support/backends';
import { writeResults } from './support/results';
import { percentile, table } from './support/stats';

const WAITING = Number(process.env.BENCH_WAITING ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 20);
const PAGE = 200;
const WORKFLOW = 'bench-sweep';
const BATCH = 200;

function execution(status: Execution['status'], createdAt: Date): Execution {
  return {
    id: randomUUID(),
    workflowId: WORKFLOW,
    workflowVersion: '1',
    status,
    input: { customer: 'c1' },
    ctx: {},
    currentStep: 'sync',
    result: null,
    recoverTo: null,
    haltData: null,
    error: null,
    runtime: { frames: [], response: null, approved: null },
    createdAt,
    updatedAt: createdAt,
  };
}

/** One held slot, `waiting` executions in line behind it, then one crashed execution. */
async function fill(store: DurableWorkflowStore, waiting: number): Promise<string> {
  const base = Date.now() - 3_600_000;
  const slot = (id: string, n: number) => ({
    executionId: id,
    workflowId: WORKFLOW,
    key: 'c1',
    limit: 1,
    queuedAt: new Date(base + n),
    holder: 'bench',
    ttlMs: 3_600_000,
  });
  const holder = await store.save(execution('pending', new Date(base)));
  await store.claim(holder.id, 'bench', 3_600_000);
  if (!(await store.takeSlot(slot(holder.id, 0)))) throw new Error('the holder got no slot');
  for (let start = 0; start < waiting; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, waiting - start) }, (_, n) =>
      execution('pending', new Date(base + 1 + start + n)),
    );
    const saved = await Promise.all(batch.map((e) => store.save(e)));
    for (const [n, e] of saved.entries())
      if (await store.takeSlot(slot(e.id, 1 + start + n))) throw new Error('a waiter got a slot');
  }
  const crashed = await store.save(execution('running', new Date(base + 2 + waiting)));
  return crashed.id;
}

interface Sampled {
  claimable: number[];
  lapsed: number[];
}

async function sample(store: DurableWorkflowStore, crashedId: string, into: Sampled) {
  for (let n = 0; n < PER_ROUND; n++) {
    let began = performance.now();
    const page = await store.findClaimable({ limit: PAGE });
    into.claimable.push(performance.now() - began);
    if (page.length !== 1 || page[0].id !== crashedId)
      throw new Error(`findClaimable returned ${page.length} executions, not the crashed one`);
    began = performance.now();
    await store.findLapsedSlots({ limit: 100 });
    into.lapsed.push(performance.now() - began);
  }
}

interface Row {
  store: string;
  waiting: number;
  claimableP50Ms: number;
  claimableP95Ms: number;
  lapsedP50Ms: number;
}

async function measureStore(
  open: () => Promise<Backend>,
): Promise<{ rows: Row[]; version: string }> {
  const loaded = await open();
  const control = await open();
  try {
    const contenders = [
      { backend: control, waiting: 0, samples: { claimable: [], lapsed: [] } as Sampled },
      { backend: loaded, waiting: WAITING, samples: { claimable: [], lapsed: [] } as Sampled },
    ];
    const crashed = [];
    for (const c of contenders) crashed.push(await fill(c.backend.store, c.waiting));
    // Warm-up, then rounds alternating between the two.
    for (const [i, c] of contenders.entries())
      await sample(c.backend.store, crashed[i], { claimable: [], lapsed: [] });
    for (let round = 0; round < ROUNDS; round++)
      for (const [i, c] of contenders.entries())
        await sample(c.backend.store, crashed[i], c.samples);
    return {
      version: await loaded.version(),
      rows: contenders.map((c) => ({
        store: c.backend.name,
        waiting: c.waiting,
        claimableP50Ms: percentile(c.samples.claimable, 50),
        claimableP95Ms: percentile(c.samples.claimable, 95),
        lapsedP50Ms: percentile(c.samples.lapsed, 50),
      })),
    };
  } finally {
    await loaded.close();
    await control.close();
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const versions: Record<string, string> = {};
  for (const open of [postgresBackend, redisBackend, sqliteBackend]) {
    const measured = await measureStore(open);
    rows.push(...measured.rows);
    versions[measured.rows[0].store] = measured.version;
  }
  const ms = (n: number) => n.toFixed(2);
  const ratio = (row: Row) => {
    const control = rows.find((r) => r.store === row.store && r.waiting === 0)!;
    return (row.claimableP50Ms / control.claimableP50Ms).toFixed(2);
  };
  console.log(
    table(
      [
        'store',
        'in line',
        'findClaimable p50 ms',
        'p95 ms',
        'vs none in line',
        'findLapsedSlots p50 ms',
      ],
      rows.map((r) => [
        r.store,
        r.waiting,
        ms(r.claimableP50Ms),
        ms(r.claimableP95Ms),
        ratio(r),
        ms(r.lapsedP50Ms),
      ]),
    ),
  );
  console.log(
    `\n${ROUNDS} alternating rounds of ${PER_ROUND} sweeps' reads per store: findClaimable({ limit: ${PAGE} }) with ${WAITING} executions in line behind one held slot, and with none; each page held the one crashed execution and no waiter.`,
  );
  writeResults('sweep', { waiting: WAITING, rounds: ROUNDS, perRound: PER_ROUND, versions, rows });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
