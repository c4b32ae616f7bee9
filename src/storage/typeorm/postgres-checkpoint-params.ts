import { isoTime } from '../iso-time';
import type { EncodedParts } from '../execution-parts';
import type { CheckpointWrite } from './sql-dialect';
import {
  PART_LOOP_TRIMS,
  PART_LOOP_VALUES,
  PART_REMOVED_VARIABLES,
  PART_VARIABLES,
  type CheckpointShape,
} from './postgres-checkpoint-sql';

/** The statement a write takes (see `checkpointSql`). */
export function shapeOf(write: CheckpointWrite): CheckpointShape {
  const { parts, entries, eventWait } = write;
  const insert = write.execution.revision === undefined;
  return {
    insert,
    oneEntry: parts === null && entries.length === 1,
    hasEntries: entries.length > 0,
    cleared: !insert && parts === null && write.clearParts,
    wait: eventWait === undefined ? 'keep' : eventWait === null ? 'clear' : 'set',
    parts: parts === null ? null : partsWritten(parts),
  };
}

function partsWritten(parts: EncodedParts): number {
  return (
    (parts.variables.length > 0 ? PART_VARIABLES : 0) |
    (parts.removedVariables.length > 0 ? PART_REMOVED_VARIABLES : 0) |
    (parts.loopValues.length > 0 ? PART_LOOP_VALUES : 0) |
    (parts.loopTrims.length > 0 ? PART_LOOP_TRIMS : 0)
  );
}

/**
 * The parameters of `checkpointSql(shapeOf(write))`, in its order. Built as one array literal per
 * shape, not joined from smaller ones: this runs on every checkpoint.
 */
export function checkpointParams(write: CheckpointWrite): unknown[] {
  const params =
    write.parts !== null
      ? partsParams(write, write.parts)
      : write.execution.revision === undefined
        ? insertParams(write)
        : updateParams(write);
  const wait = write.eventWait;
  if (wait) params.push(wait.name, wait.key, JSON.stringify(wait.fields));
  return params;
}

function insertParams(write: CheckpointWrite): unknown[] {
  const { execution: e, encoded } = write;
  const createdAt = isoTime(e.createdAt);
  if (write.entries.length === 1) {
    const entry = write.entries[0];
    const values = write.encodedEntries[0];
    return [
      e.id,
      e.workflowId,
      e.workflowVersion,
      e.status,
      encoded.input,
      encoded.ctx,
      e.currentStep,
      encoded.result,
      e.recoverTo,
      encoded.haltData,
      e.error,
      isoTime(write.updatedAt),
      createdAt,
      encoded.runtime,
      entry.id,
      entry.stepId,
      entry.stepType,
      entry.action,
      entry.durationMs,
      values.input,
      values.output,
      entry.error,
      isoTime(entry.timestamp),
      dueParam(write),
    ];
  }
  return [
    e.id,
    e.workflowId,
    e.workflowVersion,
    e.status,
    encoded.input,
    encoded.ctx,
    e.currentStep,
    encoded.result,
    e.recoverTo,
    encoded.haltData,
    e.error,
    isoTime(write.updatedAt),
    entriesJson(write),
    write.entries.length,
    createdAt,
    encoded.runtime,
    dueParam(write),
  ];
}

function updateParams(write: CheckpointWrite): unknown[] {
  const { execution: e, encoded } = write;
  const claim = write.claimLeaseFor;
  if (write.entries.length === 1) {
    const entry = write.entries[0];
    const values = write.encodedEntries[0];
    return [
      e.id,
      e.workflowId,
      e.workflowVersion,
      e.status,
      encoded.input,
      encoded.ctx,
      e.currentStep,
      encoded.result,
      e.recoverTo,
      encoded.haltData,
      e.error,
      isoTime(write.updatedAt),
      e.revision,
      encoded.runtime,
      entry.id,
      entry.stepId,
      entry.stepType,
      entry.action,
      entry.durationMs,
      values.input,
      values.output,
      entry.error,
      isoTime(entry.timestamp),
      write.releaseLeaseOf,
      dueParam(write),
      claim === null ? null : claim.owner,
      claim === null ? null : claim.ttlMs,
    ];
  }
  return [
    e.id,
    e.workflowId,
    e.workflowVersion,
    e.status,
    encoded.input,
    encoded.ctx,
    e.currentStep,
    encoded.result,
    e.recoverTo,
    encoded.haltData,
    e.error,
    isoTime(write.updatedAt),
    entriesJson(write),
    write.entries.length,
    e.revision,
    encoded.runtime,
    write.releaseLeaseOf,
    dueParam(write),
    claim === null ? null : claim.owner,
    claim === null ? null : claim.ttlMs,
  ];
}

function partsParams(write: CheckpointWrite, parts: EncodedParts): unknown[] {
  const { execution: e } = write;
  const claim = write.claimLeaseFor;
  const params: unknown[] = [
    e.id,
    e.workflowId,
    e.workflowVersion,
    e.status,
    e.currentStep,
    parts.result,
    e.recoverTo,
    parts.haltData,
    e.error,
    isoTime(write.updatedAt),
    e.revision,
    parts.runtime,
    entriesJson(write),
    write.entries.length,
    write.releaseLeaseOf,
    dueParam(write),
    claim === null ? null : claim.owner,
    claim === null ? null : claim.ttlMs,
  ];
  if (parts.variables.length > 0) {
    const variables = parts.variables.map(([name, json]) => `${JSON.stringify(name)}:${json}`);
    params.push(`{${variables.join(',')}}`);
  }
  if (parts.removedVariables.length > 0) params.push(parts.removedVariables);
  if (parts.loopValues.length > 0) {
    const loopValues = parts.loopValues.map(
      (stored) =>
        `{"loop":${JSON.stringify(stored.loop)},"position":${stored.index},"value":${stored.value}}`,
    );
    params.push(`[${loopValues.join(',')}]`);
  }
  if (parts.loopTrims.length > 0) {
    const trims = parts.loopTrims.map((trim) => ({
      loop: trim.loop,
      keep_from: trim.keepFrom,
      keep_below: trim.keepBelow,
    }));
    params.push(JSON.stringify(trims));
  }
  return params;
}

function dueParam(write: CheckpointWrite): string | null {
  return write.timerDueAt === null ? null : isoTime(write.timerDueAt);
}

/** Builds the entries' JSON from already-encoded values, so large inputs are not stringified twice. */
function entriesJson(write: CheckpointWrite): string {
  const rows = write.entries.map((entry, index) => {
    const encoded = write.encodedEntries[index];
    const scalars = JSON.stringify({
      id: entry.id,
      step_id: entry.stepId,
      step_type: entry.stepType,
      action: entry.action,
      duration_ms: entry.durationMs,
      error: entry.error,
      ts: isoTime(entry.timestamp),
      ord: index + 1,
    });
    return `${scalars.slice(0, -1)},"input":${encoded.input ?? 'null'},"output":${encoded.output ?? 'null'}}`;
  });
  return `[${rows.join(',')}]`;
}
