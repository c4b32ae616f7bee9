import type { Logger } from '@nestjs/common';
import { concurrencyKey } from '../../core/concurrency/concurrency-key';
import { parkedAnswerOf } from '../../core/engine/parking';
import { StoreCapabilityError } from '../../core/errors';
import type { WorkflowRegistry } from '../../core/registry';
import { storeCan } from '../../core/store/store-capabilities';
import type {
  DurableWorkflowStore,
  SlotRequest,
  WorkflowStore,
} from '../../core/store/workflow-store';
import type { Execution } from '../../core/types';

type SlotStore = Pick<
  DurableWorkflowStore,
  'takeSlot' | 'extendSlot' | 'releaseSlot' | 'findLapsedSlots'
>;

/** Lapsed slots looked at per call of `freeLapsed`. */
const LAPSED_BATCH = 100;

/**
 * Lets an execution of a workflow with a `concurrency` limit run only while it holds one of the
 * store's slots for its key, renewed by this process while it runs; the others wait in line,
 * `pending`. A run that leaves `running` gives its slot up, and the executions in line a slot is
 * free for are handed on to the runner (`handOn`), each handed its slot for one slot length, so a
 * hand-on that is lost (its process died, its job could not be queued) lapses and is found again.
 * Workflows without a limit pass straight through.
 */
export class ConcurrencyGate {
  private readonly held = new Set<string>();
  private renewal?: NodeJS.Timeout;

  constructor(
    private readonly store: WorkflowStore,
    private readonly registry: WorkflowRegistry,
    private readonly holder: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    private readonly handOn: (executionIds: string[]) => void,
  ) {}

  /**
   * True when the execution may run (it holds a slot, or has no limit); false when it waits.
   * `since` is its place in line when it joins it now, out of a halt; otherwise a start waits from
   * its creation, a parked answer from when it was parked.
   */
  async enter(execution: Execution, since?: Date): Promise<boolean> {
    const request = this.request(execution, since);
    if (!request) return true;
    if (!(await this.slots().takeSlot(request))) return false;
    this.keep(execution.id);
    return true;
  }

  /** After a piece of work: an execution no longer running gives its slot (or place) up. */
  async settled(execution: Execution): Promise<void> {
    if (execution.status === 'pending' || execution.status === 'running') return;
    await this.leave(execution);
  }

  /** Gives the execution's slot or place in line up (a cancel, a delete, an end). */
  async leave(execution: Execution): Promise<void> {
    if (!this.request(execution)) return;
    this.held.delete(execution.id);
    await this.release(execution.id);
  }

  /**
   * Gives up the slots that lapsed while their execution no longer runs or waits (its process died
   * after the run halted or ended, before giving the slot up; it was deleted), so the executions in
   * line behind them are handed on. A lapsed slot of a pending or running execution is left to its
   * recovery, which asks for it again (a hand-on that was lost, a crashed run).
   */
  async freeLapsed(): Promise<void> {
    // A store without slots has no workflow with a limit running on it.
    if (!storeCan(this.store, 'findLapsedSlots')) return;
    const lapsed = await this.slots().findLapsedSlots({ limit: LAPSED_BATCH });
    for (const executionId of lapsed) {
      const execution = await this.store.load(executionId);
      if (execution?.status === 'pending' || execution?.status === 'running') continue;
      await this.release(executionId);
    }
  }

  private async release(executionId: string): Promise<void> {
    const next = await this.slots().releaseSlot(executionId, this.ttlMs);
    if (next.length > 0) this.handOn(next);
  }

  /** Whether the execution's workflow has a concurrency limit. */
  limits(execution: Execution): boolean {
    return this.request(execution) !== null;
  }

  /** The key an execution waits on, when its workflow has a limit (for views). */
  keyOf(execution: Execution): string | null {
    return this.request(execution)?.key ?? null;
  }

  stop(): void {
    clearInterval(this.renewal);
    this.renewal = undefined;
    this.held.clear();
  }

  private request(execution: Execution, since?: Date): SlotRequest | null {
    if (!this.registry.versions(execution.workflowId).includes(execution.workflowVersion))
      return null;
    const definition = this.registry.get(execution.workflowId, execution.workflowVersion);
    if (!definition.concurrency) return null;
    return {
      executionId: execution.id,
      workflowId: execution.workflowId,
      key: concurrencyKey(definition, execution),
      limit: definition.concurrency.limit,
      queuedAt: since ?? placeInLine(execution),
      holder: this.holder,
      ttlMs: this.ttlMs,
    };
  }

  private slots(): SlotStore {
    const { store } = this;
    if (
      !storeCan(store, 'takeSlot') ||
      !storeCan(store, 'extendSlot') ||
      !storeCan(store, 'releaseSlot') ||
      !storeCan(store, 'findLapsedSlots')
    ) {
      throw new StoreCapabilityError('A workflow with a concurrency limit', [
        'takeSlot',
        'extendSlot',
        'releaseSlot',
        'findLapsedSlots',
      ]);
    }
    return store;
  }

  /** Slots held are renewed every third of their length while this process holds them. */
  private keep(executionId: string): void {
    this.held.add(executionId);
    this.renewal ??= setInterval(() => void this.renewAll(), Math.floor(this.ttlMs / 3));
    this.renewal.unref();
  }

  private async renewAll(): Promise<void> {
    const store = this.slots();
    for (const executionId of [...this.held]) {
      const kept = await store
        .extendSlot(executionId, this.holder, this.ttlMs)
        .catch((error: unknown) => {
          this.logger.warn(
            `Could not renew the concurrency slot of execution ${executionId}: ${String(error)}`,
          );
          return true;
        });
      // Given up, or taken over by another process after it lapsed: no longer this one's to renew.
      if (!kept) this.held.delete(executionId);
    }
    if (this.held.size === 0) this.stop();
  }
}

/** Where an execution waits in line: a parked answer from when it was parked, a start from its creation. */
function placeInLine(execution: Execution): Date {
  const parked = parkedAnswerOf(execution);
  return parked ? new Date(parked.since) : execution.createdAt;
}
