import type { DurableWorkflowStore, Entry, Execution } from '../../src';

/** One backend under the contract suite: an isolated store (own schema, file or key prefix). */
export interface StoreHarness {
  readonly name: string;
  open(): Promise<DurableWorkflowStore>;
  close(): Promise<void>;
  /**
   * Prepares the backend so that appending entries to `execution` fails after the execution write
   * has been issued. Returns the entries to checkpoint and how to undo the preparation.
   */
  breakSecondHalf(execution: Execution, existing: Entry): Promise<BrokenAppend>;
  /** Overwrites the stored execution with text that is not JSON. */
  corrupt(executionId: string): Promise<void>;
}

export interface BrokenAppend {
  entries: Entry[];
  repair(): Promise<void>;
}
