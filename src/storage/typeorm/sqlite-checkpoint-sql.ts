/**
 * The statements a checkpoint runs on SQLite, written against the default table names (the dialect
 * points them at the mapped tables). Exported so a benchmark's raw-driver baseline can run the very
 * same text, and differ from the store only in the work around it.
 */

/**
 * Inserts a new execution unless its id is taken. Parameters: id, the state columns (workflow_id
 * through error), runtime, entry_count, created_at, updated_at, timer_due_at.
 */
export const INSERT_EXECUTION_SQL = `INSERT INTO workflow_executions (id, workflow_id,
  workflow_version, status, input, ctx, current_step, result, recover_to, halt_data, error, runtime,
  revision, entry_count, created_at, updated_at, timer_due_at)
VALUES (?, ?, ?, ?, jsonb(?), jsonb(?), ?, jsonb(?), ?, jsonb(?), ?, jsonb(?), 1, ?, ?, ?, ?)
ON CONFLICT (id) DO NOTHING`;

const WHOLE_COLUMNS = `workflow_id = ?, workflow_version = ?, status = ?, input = jsonb(?),
  ctx = jsonb(?), current_step = ?, result = jsonb(?), recover_to = ?, halt_data = jsonb(?),
  error = ?, runtime = jsonb(?), updated_at = ?`;

const PARTS_COLUMNS = `workflow_id = ?, workflow_version = ?, status = ?, current_step = ?,
  result = jsonb(?), recover_to = ?, halt_data = jsonb(?), error = ?, runtime = jsonb(?),
  updated_at = ?`;

/**
 * What every update sets after the execution's own columns, and its condition: the entries
 * appended, the timer, and the revision it follows. Parameters: entries, due, id, revision.
 */
const TAIL = `revision = revision + 1, entry_count = entry_count + ?, timer_due_at = ?
WHERE id = ? AND revision = ?
RETURNING entry_count`;

/**
 * The tail of an update that also releases or claims the lease: cleared when the first parameter
 * holds it or the second says the claim releases at once, else taken for the owner of the third and
 * fourth until the fifth, else left alone; refused when another owner holds a live one. Parameters:
 * entries, due, the lease's eight (see `leaseValues`), id, revision, the claim's owner twice, now.
 * Kept apart so that a checkpoint that leaves the lease alone, the usual one, evaluates none of it.
 */
const LEASED_TAIL = `revision = revision + 1, entry_count = entry_count + ?, timer_due_at = ?,
  lease_owner = CASE WHEN lease_owner = ? OR ? THEN NULL WHEN ? IS NOT NULL THEN ?
    ELSE lease_owner END,
  lease_expires_at = CASE WHEN lease_owner = ? OR ? THEN NULL WHEN ? IS NOT NULL THEN ?
    ELSE lease_expires_at END
WHERE id = ? AND revision = ?
  AND (? IS NULL OR lease_owner IS NULL OR lease_owner = ? OR lease_expires_at <= ?)
RETURNING entry_count`;

/** A whole write: every state column, then `TAIL`'s parameters. Returns the new entry count. */
export const UPDATE_WHOLE_SQL = `UPDATE workflow_executions SET ${WHOLE_COLUMNS}, ${TAIL}`;
export const UPDATE_WHOLE_LEASED_SQL = `UPDATE workflow_executions SET ${WHOLE_COLUMNS},
  ${LEASED_TAIL}`;

/** A write in parts: the row without input and context, then `TAIL`'s parameters. */
export const UPDATE_PARTS_SQL = `UPDATE workflow_executions SET ${PARTS_COLUMNS}, ${TAIL}`;
export const UPDATE_PARTS_LEASED_SQL = `UPDATE workflow_executions SET ${PARTS_COLUMNS},
  ${LEASED_TAIL}`;

/**
 * Appends an entry. Parameters: id, execution_id, seq, step_id, step_type, action, duration_ms,
 * input, output, error, timestamp.
 */
export const INSERT_ENTRY_SQL = `INSERT INTO workflow_entries (id, execution_id, seq, step_id,
  step_type, action, duration_ms, input, output, error, "timestamp")
VALUES (?, ?, ?, ?, ?, ?, ?, jsonb(?), jsonb(?), ?, ?)`;

/** Sets one variable of an execution kept in parts. Parameters: execution_id, name, value. */
export const SET_VARIABLE_SQL = `INSERT INTO workflow_variables (execution_id, name, value)
VALUES (?, ?, jsonb(?))
ON CONFLICT (execution_id, name) DO UPDATE SET value = excluded.value`;
