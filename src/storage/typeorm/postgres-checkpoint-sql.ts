/**
 * The text of Postgres checkpoint statements. A checkpoint is one statement: the execution's write
 * (`saved`), then its entries, parts, and event wait as further parts of it, so Postgres commits all
 * or none in one round trip. Texts depend only on a write's shape, never on its values, so each
 * shape's text is built once and prepared once per connection.
 *
 * No statement returns a row: the new revision is known (1 for an insert, the old one plus one for an
 * update), so success is read from the row count. With entries, the entries' INSERT is the statement
 * itself (a count of as many rows as entries, none when `saved` was refused); without, it ends in
 * `SELECT FROM saved` (one row of no columns, or none).
 */

export const UTC_NOW = `(now() AT TIME ZONE 'UTC')`;

/** Which statement a checkpoint takes. */
export interface CheckpointShape {
  /** A new execution inserted, else an update from its revision. */
  insert: boolean;
  /** One entry as plain parameters (Postgres then has no JSON to unpack), else all as one JSON array. */
  oneEntry: boolean;
  /** Whether the checkpoint appends any entry. */
  hasEntries: boolean;
  /** A whole update that removes parts left by updates in parts. */
  cleared: boolean;
  /** The execution's event wait: left alone, removed, or set. */
  wait: 'keep' | 'clear' | 'set';
  /** For an update in parts, the parts written (`PART_*` bits); null for a whole write. */
  parts: number | null;
}

export const PART_VARIABLES = 1;
export const PART_REMOVED_VARIABLES = 2;
export const PART_LOOP_VALUES = 4;
export const PART_LOOP_TRIMS = 8;

/** A small number naming the shape, to find its prepared statement without hashing text. */
export function shapeKey(shape: CheckpointShape): number {
  const parts = shape.parts === null ? 0 : shape.parts + 1;
  const wait = shape.wait === 'keep' ? 0 : shape.wait === 'clear' ? 1 : 2;
  return (
    ((((parts * 3 + wait) * 2 + Number(shape.cleared)) * 2 + Number(shape.hasEntries)) * 2 +
      Number(shape.oneEntry)) *
      2 +
    Number(shape.insert)
  );
}

/**
 * The checkpoint statement of a shape. Parameters, whole writes: $1 id, $2-$11 the state columns
 * (workflow_id through error), $12 updated_at; then
 * - insert, one entry: $13 created_at, $14 runtime, $15-$23 the entry, $24 timer due;
 * - insert, as JSON: $13 entries, $14 their count, $15 created_at, $16 runtime, $17 timer due;
 * - update, one entry: $13 revision, $14 runtime, $15-$23 the entry, $24 lease owner to release,
 *   $25 timer due, $26-$27 lease owner to claim and its ttl;
 * - update, as JSON: $13 entries, $14 their count, $15 revision, $16 runtime, $17 lease owner to
 *   release, $18 timer due, $19-$20 lease owner to claim and its ttl.
 * In parts: $1 id, $2-$9 the state columns without input and context, $10 updated_at, $11 revision,
 * $12 runtime, $13-$14 entries as JSON, $15 lease owner to release, $16 timer due, $17-$18 lease
 * owner to claim and its ttl; then one for each part written, in `PART_*` order. An event wait set
 * takes three more: its name, key and fields.
 */
export function checkpointSql(shape: CheckpointShape): string {
  const { saved, entries, count, parameters } = executionWrite(shape);
  const clauses = [`saved AS (${saved})`];
  if (shape.cleared) clauses.push(PARTS_CLEARED);
  clauses.push(...partClauses(shape.parts ?? 0));
  const waitFirst = parameters + partParameterCount(shape.parts ?? 0) + 1;
  if (shape.wait === 'clear') clauses.push(WAIT_CLEARED);
  if (shape.wait === 'set') clauses.push(waitSet(waitFirst));
  const append = shape.oneEntry ? APPEND_ONE_ENTRY : appendEntries(entries, count);
  if (shape.hasEntries) return `WITH ${clauses.join(',\n')}\n${append}`;
  return `WITH ${clauses.join(',\n')},\nappended AS (\n${append}\n)\nSELECT FROM saved`;
}

/**
 * SET clauses of a checkpoint's lease: cleared when `release` names its owner, else taken for
 * `claim` (NULL: none) for `ttl` ms, else left alone. Both naming one owner leave no lease.
 */
function leaseChange(release: string, claim: string, ttl: string): string {
  const cleared = `lease_owner = ${release}::text OR ${claim}::text = ${release}::text`;
  return `lease_owner = CASE WHEN ${cleared} THEN NULL
      WHEN ${claim}::text IS NOT NULL THEN ${claim}::text ELSE lease_owner END,
    lease_expires_at = CASE WHEN ${cleared} THEN NULL
      WHEN ${claim}::text IS NOT NULL THEN ${UTC_NOW} + ${ttl}::integer * interval '1 millisecond'
      ELSE lease_expires_at END`;
}

/** The WHERE condition of a checkpoint that claims: no other owner holds a live lease. */
function claimable(claim: string): string {
  return `(${claim}::text IS NULL OR lease_owner IS NULL OR lease_owner = ${claim}::text
    OR lease_expires_at <= ${UTC_NOW})`;
}

/**
 * The execution's write as `saved` (yielding no row when refused, and then nothing else is
 * written), the parameters of its entries as JSON, and how many parameters it takes.
 */
function executionWrite(shape: CheckpointShape): {
  saved: string;
  entries: string;
  count: string;
  parameters: number;
} {
  if (shape.parts !== null) {
    const removed =
      shape.parts & PART_REMOVED_VARIABLES
        ? `$${partParameter(shape.parts, PART_REMOVED_VARIABLES)}`
        : null;
    return { saved: updateParts(removed), entries: '$13', count: '$14', parameters: 18 };
  }
  if (shape.insert) {
    return shape.oneEntry
      ? { saved: INSERT_ONE_ENTRY, entries: '', count: '', parameters: 24 }
      : { saved: INSERT_AS_JSON, entries: '$13', count: '$14', parameters: 17 };
  }
  return shape.oneEntry
    ? { saved: UPDATE_ONE_ENTRY, entries: '', count: '', parameters: 27 }
    : { saved: UPDATE_AS_JSON, entries: '$13', count: '$14', parameters: 20 };
}

const INSERT_COLUMNS = `INSERT INTO workflow_executions (id, workflow_id, workflow_version, status, input, ctx,
    current_step, result, recover_to, halt_data, error, updated_at, revision, entry_count, created_at,
    runtime, timer_due_at)`;

const INSERT_ONE_ENTRY = `${INSERT_COLUMNS}
  VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8::jsonb, $9, $10::jsonb, $11,
    $12::timestamptz AT TIME ZONE 'UTC', 1, 1, $13::timestamptz AT TIME ZONE 'UTC', $14::jsonb,
    $24::timestamptz AT TIME ZONE 'UTC')
  ON CONFLICT (id) DO NOTHING
  RETURNING id, entry_count`;

const INSERT_AS_JSON = `${INSERT_COLUMNS}
  VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8::jsonb, $9, $10::jsonb, $11,
    $12::timestamptz AT TIME ZONE 'UTC', 1, $14, $15::timestamptz AT TIME ZONE 'UTC', $16::jsonb,
    $17::timestamptz AT TIME ZONE 'UTC')
  ON CONFLICT (id) DO NOTHING
  RETURNING id, entry_count`;

const UPDATE_STATE = `UPDATE workflow_executions SET workflow_id = $2, workflow_version = $3, status = $4,
    input = $5::jsonb, ctx = $6::jsonb, current_step = $7, result = $8::jsonb, recover_to = $9,
    halt_data = $10::jsonb, error = $11, updated_at = $12::timestamptz AT TIME ZONE 'UTC',
    revision = revision + 1`;

const UPDATE_ONE_ENTRY = `${UPDATE_STATE}, entry_count = entry_count + 1, runtime = $14::jsonb,
    ${leaseChange('$24', '$26', '$27')},
    timer_due_at = $25::timestamptz AT TIME ZONE 'UTC'
  WHERE id = $1 AND revision = $13 AND ${claimable('$26')}
  RETURNING id, entry_count`;

const UPDATE_AS_JSON = `${UPDATE_STATE}, entry_count = entry_count + $14, runtime = $16::jsonb,
    ${leaseChange('$17', '$19', '$20')},
    timer_due_at = $18::timestamptz AT TIME ZONE 'UTC'
  WHERE id = $1 AND revision = $15 AND ${claimable('$19')}
  RETURNING id, entry_count`;

/**
 * The execution's own row without its input and context; a variable the step removed is taken out
 * of the context as last written whole, when it is there.
 */
function updateParts(removed: string | null): string {
  const removedClause =
    removed === null
      ? ''
      : `,
    ctx = CASE WHEN ctx ?| ${removed}::text[] THEN ctx - ${removed}::text[] ELSE ctx END`;
  return `UPDATE workflow_executions SET workflow_id = $2, workflow_version = $3, status = $4,
    current_step = $5, result = $6::jsonb, recover_to = $7, halt_data = $8::jsonb, error = $9,
    updated_at = $10::timestamptz AT TIME ZONE 'UTC', revision = revision + 1,
    entry_count = entry_count + $14, runtime = $12::jsonb, ${leaseChange('$15', '$17', '$18')},
    timer_due_at = $16::timestamptz AT TIME ZONE 'UTC'${removedClause}
  WHERE id = $1 AND revision = $11 AND ${claimable('$17')}
  RETURNING id, entry_count`;
}

const APPEND_ONE_ENTRY = `INSERT INTO workflow_entries
  (id, execution_id, seq, step_id, step_type, action, duration_ms, input, output, error, "timestamp")
SELECT $15, saved.id, saved.entry_count, $16, $17, $18, $19, $20::jsonb, $21::jsonb, $22,
  $23::timestamptz AT TIME ZONE 'UTC'
FROM saved`;

function appendEntries(entries: string, count: string): string {
  return `INSERT INTO workflow_entries
  (id, execution_id, seq, step_id, step_type, action, duration_ms, input, output, error, "timestamp")
SELECT e.id, saved.id, saved.entry_count - ${count} + e.ord, e.step_id, e.step_type, e.action,
  e.duration_ms, e.input, e.output, e.error, e.ts AT TIME ZONE 'UTC'
FROM saved CROSS JOIN jsonb_to_recordset(${entries}::jsonb) AS e(id uuid, step_id text, step_type text,
  action text, duration_ms integer, input jsonb, output jsonb, error text, ts timestamptz, ord integer)`;
}

// A write of the whole execution leaves no parts behind to override it.
const PARTS_CLEARED = `variables_cleared AS (
  DELETE FROM workflow_variables d USING saved WHERE d.execution_id = saved.id
), loop_values_cleared AS (
  DELETE FROM workflow_loop_values d USING saved WHERE d.execution_id = saved.id
)`;

/** How many parameters the parts take: one each. */
function partParameterCount(parts: number): number {
  let count = 0;
  for (let bit = PART_VARIABLES; bit <= PART_LOOP_TRIMS; bit <<= 1) if (parts & bit) count++;
  return count;
}

/** The number of the parameter of one part: after the 18 of an update in parts and those of the parts before it. */
function partParameter(parts: number, part: number): number {
  return 18 + partParameterCount(parts & ((part << 1) - 1));
}

function partClauses(parts: number): string[] {
  const param = (part: number) => `$${partParameter(parts, part)}`;
  const clauses: string[] = [];
  if (parts & PART_VARIABLES) {
    clauses.push(`variables_set AS (
  INSERT INTO workflow_variables (execution_id, name, value)
  SELECT saved.id, v.key, v.value FROM saved CROSS JOIN jsonb_each(${param(PART_VARIABLES)}::jsonb) AS v
  ON CONFLICT (execution_id, name) DO UPDATE SET value = EXCLUDED.value
)`);
  }
  if (parts & PART_REMOVED_VARIABLES) {
    clauses.push(`variables_removed AS (
  DELETE FROM workflow_variables d USING saved
  WHERE d.execution_id = saved.id AND d.name = ANY(${param(PART_REMOVED_VARIABLES)}::text[])
)`);
  }
  if (parts & PART_LOOP_VALUES) {
    clauses.push(`loop_values_set AS (
  INSERT INTO workflow_loop_values (execution_id, loop, position, value)
  SELECT saved.id, l.loop, l.position, l.value FROM saved
  CROSS JOIN jsonb_to_recordset(${param(PART_LOOP_VALUES)}::jsonb)
    AS l(loop text, position integer, value jsonb)
  ON CONFLICT (execution_id, loop, position) DO UPDATE SET value = EXCLUDED.value
)`);
  }
  if (parts & PART_LOOP_TRIMS) {
    clauses.push(`loop_values_trimmed AS (
  DELETE FROM workflow_loop_values d
  USING saved, jsonb_to_recordset(${param(PART_LOOP_TRIMS)}::jsonb)
    AS t(loop text, keep_from integer, keep_below integer)
  WHERE d.execution_id = saved.id AND d.loop = t.loop
    AND (d.position < t.keep_from OR d.position >= t.keep_below)
)`);
  }
  return clauses;
}

const WAIT_CLEARED = `wait_cleared AS (
  DELETE FROM workflow_event_waits w USING saved WHERE w.execution_id = saved.id
)`;

/** The index of event waits, and the wait's shape among those kept for its event name. */
function waitSet(first: number): string {
  const name = `$${first}::text`;
  const key = `$${first + 1}::text`;
  const fields = `$${first + 2}::text`;
  return `wait_set AS (
  INSERT INTO workflow_event_waits (execution_id, name, match_key)
  SELECT saved.id, ${name}, ${key} FROM saved
  ON CONFLICT (execution_id) DO UPDATE SET name = EXCLUDED.name, match_key = EXCLUDED.match_key
), shape_set AS (
  INSERT INTO workflow_event_shapes (name, fields) SELECT ${name}, ${fields} FROM saved
  ON CONFLICT DO NOTHING
)`;
}
