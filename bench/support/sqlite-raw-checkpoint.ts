import type { Database } from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import type { Entry, Execution } from '../../src';
import type { CheckpointOptions } from '../../src/core/store/workflow-store';
import {
  INSERT_ENTRY_SQL,
  INSERT_EXECUTION_SQL,
  SET_VARIABLE_SQL,
  UPDATE_PARTS_SQL,
  UPDATE_WHOLE_SQL,
} from '../../src/storage/typeorm/sqlite-checkpoint-sql';
import { resolveTables, withTables } from '../../src/storage/typeorm/sql-tables';
import { json, sqliteTime } from './raw-values';

/**
 * A run's checkpoint by hand with better-sqlite3, running the very statements the store runs for it
 * (their text, prepared once, the entry count read the same way) in one immediate transaction, with
 * parameters built by hand, so that the engine beside it differs only in the work around the
 * statements: the first checkpoint inserts the execution, a whole one updates it from its revision,
 * one in parts writes the row without input and context and the variables set; each appends its
 * entry. Runs that leave the lease alone and wait on no timer or event, as in-process runs of
 * `assign` steps are: the store's statement for them names no lease column and writes no due time.
 */
export function sqliteRawCheckpoint(
  db: Database,
  dataSource: DataSource,
): (
  e: Execution,
  entry: Entry,
  variables: [string, string][] | null,
  options: CheckpointOptions,
) => void {
  const tables = resolveTables(dataSource);
  const prepare = (sql: string) => db.prepare(withTables(sql, tables));
  const insertRun = prepare(INSERT_EXECUTION_SQL);
  const updateRun = prepare(UPDATE_WHOLE_SQL).pluck();
  const updateParts = prepare(UPDATE_PARTS_SQL).pluck();
  const setVariable = prepare(SET_VARIABLE_SQL);
  const appendEntry = prepare(INSERT_ENTRY_SQL);
  const write = (
    e: Execution,
    entry: Entry,
    variables: [string, string][] | null,
    options: CheckpointOptions,
  ) => {
    if (options.releaseLeaseOf != null || options.claimLeaseFor != null) {
      throw new Error('the raw baseline writes checkpoints that leave the lease alone');
    }
    if (options.eventWait !== undefined || e.status === 'halted') {
      throw new Error('the raw baseline writes runs that neither wait for events nor halt');
    }
    const updatedAt = sqliteTime(new Date());
    let entryCount: number | undefined = 1;
    if (e.revision === undefined) {
      const inserted = insertRun.run(
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
        json(e.runtime),
        1,
        sqliteTime(e.createdAt),
        updatedAt,
        null,
      );
      if (inserted.changes !== 1) entryCount = undefined;
    } else if (variables === null) {
      entryCount = updateRun.get(
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
        json(e.runtime),
        updatedAt,
        1,
        null,
        e.id,
        e.revision,
      ) as number | undefined;
    } else {
      entryCount = updateParts.get(
        e.workflowId,
        e.workflowVersion,
        e.status,
        e.currentStep,
        json(e.result),
        e.recoverTo,
        json(e.haltData),
        e.error,
        json(e.runtime),
        updatedAt,
        1,
        null,
        e.id,
        e.revision,
      ) as number | undefined;
      for (const [name, value] of variables) setVariable.run(e.id, name, value);
    }
    if (entryCount === undefined) throw new Error(`raw checkpoint of ${e.id} was not written`);
    appendEntry.run(
      entry.id,
      e.id,
      entryCount,
      entry.stepId,
      entry.stepType,
      entry.action,
      entry.durationMs,
      json(entry.input),
      json(entry.output),
      entry.error,
      sqliteTime(entry.timestamp),
    );
  };
  return db.transaction(write).immediate;
}
