import { CorruptRecordError } from '../core/store/store-errors';
import type { StoreLog } from '../core/store/store-log';
import type { Execution } from '../core/types';

/** Keys remembered as reported; past this the memory starts over (and reports again). */
const REMEMBERED = 10_000;

/**
 * Decodes the records of a list. One that does not read back is left out and reported once by its
 * key, so a single damaged record never takes down a list, a count, a recovery sweep or a boot.
 */
export class ReadableRecords {
  private readonly reported = new Set<string>();

  constructor(private readonly log: StoreLog) {}

  decodeAll<R>(rows: readonly R[], decode: (row: R) => Execution): Execution[] {
    const executions: Execution[] = [];
    for (const row of rows) {
      try {
        executions.push(decode(row));
      } catch (error) {
        if (!(error instanceof CorruptRecordError)) throw error;
        this.report(error);
      }
    }
    return executions;
  }

  private report(error: CorruptRecordError): void {
    if (this.reported.has(error.key)) return;
    if (this.reported.size >= REMEMBERED) this.reported.clear();
    this.reported.add(error.key);
    this.log('error', error.message);
  }
}
