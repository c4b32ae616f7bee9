import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { Entry, Execution } from '../../src';
import type { CheckpointOptions } from '../../src/core/store/workflow-store';
import {
  checkpointSql,
  PART_VARIABLES,
  type CheckpointShape,
} from '../../src/storage/typeorm/postgres-checkpoint-sql';
import { resolveTables, withTables } from '../../src/storage/typeorm/sql-tables';
import { iso, json } from './raw-values';

/**
 * A run's checkpoint by hand with the raw driver, sending the very statement the store sends for it
 * (its text, prepared under a name of its own) with parameters built by hand, so that the engine
 * beside it differs only in the work done on the client: the first checkpoint inserts the execution
 * with its entry, a whole one updates it from its revision, one in parts writes the row without
 * input and context, the variables set and the entry.
 */
export function postgresRawCheckpoint(
  pool: Pool,
  dataSource: DataSource,
): (
  e: Execution,
  entry: Entry,
  variables: [string, string][] | null,
  options: CheckpointOptions,
) => Promise<void> {
  const tables = resolveTables(dataSource);
  const statement = (name: string, shape: Omit<CheckpointShape, 'cleared' | 'wait'>) => ({
    name,
    text: withTables(checkpointSql({ ...shape, cleared: false, wait: 'keep' }), tables),
  });
  const insertRun = statement('raw_run_insert', {
    insert: true,
    oneEntry: true,
    hasEntries: true,
    parts: null,
  });
  const updateRun = statement('raw_run_update', {
    insert: false,
    oneEntry: true,
    hasEntries: true,
    parts: null,
  });
  const updateParts = statement('raw_run_parts', {
    insert: false,
    oneEntry: false,
    hasEntries: true,
    parts: PART_VARIABLES,
  });
  return async (e, entry, variables, options) => {
    if (options.eventWait !== undefined || e.status === 'halted') {
      throw new Error('the raw baseline writes runs that neither wait for events nor halt');
    }
    const release = options.releaseLeaseOf ?? null;
    const claim = options.claimLeaseFor;
    const query =
      e.revision === undefined
        ? {
            name: insertRun.name,
            text: insertRun.text,
            values: [
              e.id,
              e.workflowId,
              e.workflowVersion,
              e.status,
              JSON.stringify(e.input),
              JSON.stringify(e.ctx),
              e.currentStep,
              json(e.result),
              e.recoverTo,
              json(e.haltData),
              e.error,
              iso(new Date()),
              iso(e.createdAt),
              json(e.runtime),
              entry.id,
              entry.stepId,
              entry.stepType,
              entry.action,
              entry.durationMs,
              json(entry.input),
              json(entry.output),
              entry.error,
              iso(entry.timestamp),
              null,
            ],
          }
        : variables === null
          ? {
              name: updateRun.name,
              text: updateRun.text,
              values: [
                e.id,
                e.workflowId,
                e.workflowVersion,
                e.status,
                JSON.stringify(e.input),
                JSON.stringify(e.ctx),
                e.currentStep,
                json(e.result),
                e.recoverTo,
                json(e.haltData),
                e.error,
                iso(new Date()),
                e.revision,
                json(e.runtime),
                entry.id,
                entry.stepId,
                entry.stepType,
                entry.action,
                entry.durationMs,
                json(entry.input),
                json(entry.output),
                entry.error,
                iso(entry.timestamp),
                release,
                null,
                claim?.owner ?? null,
                claim?.ttlMs ?? null,
              ],
            }
          : {
              name: updateParts.name,
              text: updateParts.text,
              values: [
                e.id,
                e.workflowId,
                e.workflowVersion,
                e.status,
                e.currentStep,
                json(e.result),
                e.recoverTo,
                json(e.haltData),
                e.error,
                iso(new Date()),
                e.revision,
                json(e.runtime),
                JSON.stringify([
                  {
                    id: entry.id,
                    step_id: entry.stepId,
                    step_type: entry.stepType,
                    action: entry.action,
                    duration_ms: entry.durationMs,
                    error: entry.error,
                    ts: iso(entry.timestamp),
                    ord: 1,
                    input: entry.input ?? null,
                    output: entry.output ?? null,
                  },
                ]),
                1,
                release,
                null,
                claim?.owner ?? null,
                claim?.ttlMs ?? null,
                `{${variables.map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(',')}}`,
              ],
            };
    const { rowCount } = await pool.query(query);
    if (rowCount !== 1) throw new Error(`raw checkpoint of ${e.id} was not written`);
  };
}
