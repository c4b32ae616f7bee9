/** How the raw baselines write a value's parameter, as the stores do. */

export const iso = (d: Date) => d.toISOString();

/** TypeORM's `datetime` text on SQLite: UTC to the millisecond. */
export const sqliteTime = (d: Date) => d.toISOString().replace('T', ' ').slice(0, 23);

/** JSON as the store writes an optional field: SQL NULL for null. */
export const json = (value: unknown) =>
  value === undefined || value === null ? null : JSON.stringify(value);
