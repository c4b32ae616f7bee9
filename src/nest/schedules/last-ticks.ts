/**
 * The execution the latest tick of each scheduled workflow started: what `overlap: skip` and the
 * catch-up after downtime look at, read by id instead of paging through the workflow's executions.
 */
export interface LastTicks {
  /** The execution id kept for the workflow; undefined when none is known here yet. */
  get(workflowId: string): Promise<string | undefined>;
  /** Keeps the tick's execution, unless one of a later tick is kept already. */
  set(workflowId: string, tick: Date, executionId: string): Promise<void>;
}

/**
 * In process: every process fires every tick itself, so each keeps the latest in memory; a process
 * that starts knows none until its first lookup.
 */
export class MemoryLastTicks implements LastTicks {
  private readonly latest = new Map<string, { tick: number; executionId: string }>();

  async get(workflowId: string): Promise<string | undefined> {
    return this.latest.get(workflowId)?.executionId;
  }

  async set(workflowId: string, tick: Date, executionId: string): Promise<void> {
    const kept = this.latest.get(workflowId);
    if (!kept || kept.tick <= tick.getTime())
      this.latest.set(workflowId, { tick: tick.getTime(), executionId });
  }
}
