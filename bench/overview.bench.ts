/**
 * What an overview costs at scale, on Postgres: counting a million executions by workflow and status,
 * reading the newest 100 of a workflow, and a page of 100 deep in the list with `before`; the store
 * against the raw driver running the same SQL; the newest 100 of a status, and of a workflow and a
 * status, with the indexes of the third migration (ending in created_at, id) against the second's
 * (status) and (workflow_id, status); the count with the first migration's index (workflow_id); and
 * the newest 100 ordered as the store did before (by its converted output column), all in the same
 * run. `npm run bench:overview`.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import {
  TypeormWorkflowStore,
  WORKFLOW_MIGRATIONS,
  WORKFLOW_EVENT_ENTITIES,
  WorkflowEntryEntity,
  WorkflowExecutionEntity,
} from '../src';
import { DATABASE_URL } from './support/backends';
import { writeResults } from './support/results';
import { median, percentile, table } from './support/stats';

const EXECUTIONS = Number(process.env.BENCH_EXECUTIONS ?? 1_000_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 15);
const COUNT_SQL = (schema: string) =>
  `SELECT workflow_id, status, count(*) AS n FROM ${schema}.workflow_executions GROUP BY workflow_id, status`;

async function timed(repeats: number, operation: () => Promise<unknown>): Promise<number[]> {
  await operation();
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const began = performance.now();
    await operation();
    ms.push(performance.now() - began);
  }
  return ms;
}

async function main(): Promise<void> {
  const schema = `dw_obench_${randomBytes(4).toString('hex')}`;
  const pg = new Client({ connectionString: DATABASE_URL });
  await pg.connect();
  await pg.query(`CREATE SCHEMA ${schema}`);
  const dataSource = new DataSource({
    type: 'postgres',
    url: DATABASE_URL,
    schema,
    entities: [WorkflowExecutionEntity, WorkflowEntryEntity, ...WORKFLOW_EVENT_ENTITIES],
    migrations: WORKFLOW_MIGRATIONS,
    migrationsTableName: 'workflow_migrations',
  });
  const rows: (string | number)[][] = [];
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    const store = new TypeormWorkflowStore(dataSource);
    console.log(`inserting ${EXECUTIONS} executions...`);
    await pg.query(
      `INSERT INTO ${schema}.workflow_executions (id, workflow_id, workflow_version, status, input, ctx,
         revision, entry_count, created_at, updated_at)
       SELECT gen_random_uuid(), 'workflow_' || (i % 8), '1',
         CASE i % 49 WHEN 0 THEN 'halted' WHEN 1 THEN 'pending' WHEN 2 THEN 'running'
           WHEN 3 THEN 'failed' WHEN 4 THEN 'failed' WHEN 5 THEN 'cancelled' ELSE 'completed' END,
         '{"amount": 12}', '{"order": {"lines": [1, 2, 3]}, "note": "some text"}', 3, 3,
         now() - (i || ' ms')::interval, now()
       FROM generate_series(1, $1) AS i`,
      [EXECUTIONS],
    );
    await pg.query(`VACUUM ANALYZE ${schema}.workflow_executions`);

    const storeCount = await timed(REPEATS, () => store.countExecutions());
    const rawCount = await timed(REPEATS, () => pg.query(COUNT_SQL(schema)));
    // Deep in the list: the cursor is the execution at position 500,000 of one workflow's.
    const deep = Math.floor(EXECUTIONS / 16);
    const { rows: cursorRows } = await pg.query<{ id: string }>(
      `SELECT id FROM ${schema}.workflow_executions WHERE workflow_id = 'workflow_3'
       ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1`,
      [deep],
    );
    const before = cursorRows[0].id;
    const storePage = await timed(REPEATS, () =>
      store.find({ workflowId: 'workflow_3', limit: 100, before }),
    );
    const rawPage = await timed(REPEATS, () =>
      pg.query(
        `SELECT * FROM ${schema}.workflow_executions WHERE workflow_id = $1 AND (created_at, id) <
           (SELECT created_at, id FROM ${schema}.workflow_executions WHERE id = $2)
         ORDER BY created_at DESC, id DESC LIMIT 100`,
        ['workflow_3', before],
      ),
    );
    const offsetPage = await timed(REPEATS, () =>
      pg.query(
        `SELECT * FROM ${schema}.workflow_executions WHERE workflow_id = $1
         ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 100`,
        ['workflow_3', deep],
      ),
    );

    const storeNewest = await timed(REPEATS, () =>
      store.find({ workflowId: 'workflow_3', limit: 100 }),
    );
    const rawNewest = await timed(REPEATS, () =>
      pg.query(
        `SELECT * FROM ${schema}.workflow_executions WHERE workflow_id = $1
         ORDER BY created_at DESC, id DESC LIMIT 100`,
        ['workflow_3'],
      ),
    );
    // What the store ran before: ORDER BY named the converted output column, which no index covers.
    const convertedNewest = await timed(REPEATS, () =>
      pg.query(
        `SELECT id, created_at AT TIME ZONE 'UTC' AS created_at FROM ${schema}.workflow_executions
         WHERE workflow_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100`,
        ['workflow_3'],
      ),
    );

    const byStatus = () => store.find({ status: 'halted', limit: 100 });
    const byWorkflowAndStatus = () =>
      store.find({ workflowId: 'workflow_3', status: 'halted', limit: 100 });
    const statusNewest = await timed(REPEATS, byStatus);
    const workflowStatusNewest = await timed(REPEATS, byWorkflowAndStatus);

    // The same finds with the second migration's indexes, (status) and (workflow_id, status).
    await swapIndexes(
      pg,
      schema,
      ['idx_workflow_executions_status_created', 'idx_workflow_executions_workflow_status_created'],
      {
        idx_workflow_executions_status: 'status',
        idx_workflow_executions_workflow_status: 'workflow_id, status',
      },
    );
    const statusNewestBefore = await timed(REPEATS, byStatus);
    const workflowStatusNewestBefore = await timed(REPEATS, byWorkflowAndStatus);
    const rawCountStatusIndex = await timed(REPEATS, () => pg.query(COUNT_SQL(schema)));

    // The same count with the first migration's index only.
    await swapIndexes(pg, schema, ['idx_workflow_executions_workflow_status'], {
      idx_workflow_executions_workflow_id: 'workflow_id',
    });
    const rawCountOldIndex = await timed(REPEATS, () => pg.query(COUNT_SQL(schema)));

    const row = (what: string, ms: number[], baseline?: number[]) => [
      what,
      median(ms).toFixed(1),
      percentile(ms, 99).toFixed(1),
      baseline ? (median(ms) / median(baseline)).toFixed(2) : '',
    ];
    rows.push(
      row('count: store.countExecutions()', storeCount, rawCount),
      row('count: raw GROUP BY, (workflow_id, status, created_at, id) index', rawCount),
      row('count: raw GROUP BY, (workflow_id, status) index', rawCountStatusIndex, rawCount),
      row('count: raw GROUP BY, workflow_id index', rawCountOldIndex, rawCount),
      row(`page of 100 at ${deep}: store.find({ before })`, storePage, rawPage),
      row(`page of 100 at ${deep}: raw keyset`, rawPage),
      row(`page of 100 at ${deep}: raw OFFSET`, offsetPage, rawPage),
      row('newest 100 of a workflow: store.find()', storeNewest, rawNewest),
      row('newest 100 of a workflow: raw', rawNewest),
      row('newest 100, ordered by the converted column (before)', convertedNewest, rawNewest),
      row('newest 100 halted: store.find({ status })', statusNewest),
      row('  same, (status) index (before)', statusNewestBefore, statusNewest),
      row('newest 100 halted of a workflow: store.find()', workflowStatusNewest),
      row(
        '  same, (workflow_id, status) index (before)',
        workflowStatusNewestBefore,
        workflowStatusNewest,
      ),
    );
    console.log(
      `\n${EXECUTIONS} executions, 8 workflows, 88% completed, 2% halted, ${REPEATS} repeats\n\n` +
        table(['what', 'p50 ms', 'p99 ms', '÷ baseline'], rows),
    );
    writeResults('overview', {
      executions: EXECUTIONS,
      repeats: REPEATS,
      postgres: (await pg.query<{ v: string }>("SELECT current_setting('server_version') AS v"))
        .rows[0].v,
      medianMs: {
        storeCount: median(storeCount),
        rawCount: median(rawCount),
        rawCountWorkflowIdIndex: median(rawCountOldIndex),
        rawCountWorkflowStatusIndex: median(rawCountStatusIndex),
        statusNewest: median(statusNewest),
        statusNewestStatusIndex: median(statusNewestBefore),
        workflowStatusNewest: median(workflowStatusNewest),
        workflowStatusNewestWorkflowStatusIndex: median(workflowStatusNewestBefore),
        storePage: median(storePage),
        rawKeysetPage: median(rawPage),
        rawOffsetPage: median(offsetPage),
        storeNewest: median(storeNewest),
        rawNewest: median(rawNewest),
        convertedColumnNewest: median(convertedNewest),
      },
      p99Ms: {
        storeCount: percentile(storeCount, 99),
        rawCount: percentile(rawCount, 99),
        rawCountWorkflowIdIndex: percentile(rawCountOldIndex, 99),
        rawCountWorkflowStatusIndex: percentile(rawCountStatusIndex, 99),
        statusNewest: percentile(statusNewest, 99),
        statusNewestStatusIndex: percentile(statusNewestBefore, 99),
        workflowStatusNewest: percentile(workflowStatusNewest, 99),
        workflowStatusNewestWorkflowStatusIndex: percentile(workflowStatusNewestBefore, 99),
        storePage: percentile(storePage, 99),
        rawKeysetPage: percentile(rawPage, 99),
        rawOffsetPage: percentile(offsetPage, 99),
        storeNewest: percentile(storeNewest, 99),
        rawNewest: percentile(rawNewest, 99),
        convertedColumnNewest: percentile(convertedNewest, 99),
      },
    });
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await pg.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pg.end();
  }
}

/** Drops the given indexes and builds the others (name: columns), then refreshes the statistics. */
async function swapIndexes(
  pg: Client,
  schema: string,
  drop: string[],
  create: Record<string, string>,
): Promise<void> {
  for (const name of drop) await pg.query(`DROP INDEX ${schema}.${name}`);
  for (const [name, columns] of Object.entries(create)) {
    await pg.query(`CREATE INDEX ${name} ON ${schema}.workflow_executions (${columns})`);
  }
  await pg.query(`VACUUM ANALYZE ${schema}.workflow_executions`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
