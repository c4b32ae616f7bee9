import { Logger } from '@nestjs/common';
import type { WorkflowEngine } from '../core/engine/workflow-engine';
import { ExecutionStateError } from '../core/errors';
import { ConcurrentUpdateError } from '../storage/store-errors';
import type { Execution } from '../core/types';
import type { WorkflowStore } from '../storage/workflow-store';

/** setTimeout's limit; longer timers are armed in hops. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs executions on this process's event loop: started ones, resumed ones, and timers for halted
 * ones (`resume_at` of a wait, `expires_at` of an approval), armed again from the store at boot so
 * they survive restarts. Tracks work in flight so shutdown can wait for it.
 */
export class InProcessRunner {
  private readonly logger = new Logger('DurableWorkflow');
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly engine: WorkflowEngine,
    private readonly store: WorkflowStore,
  ) {}

  /** Continues what a previous process left: pending and running executions, and halted timers. */
  async boot(): Promise<void> {
    for (const status of ['pending', 'running'] as const) {
      for (const execution of await this.store.find({ status, limit: 1000 })) {
        this.submit(execution.id, () => this.engine.drive(execution.id));
      }
    }
    const halted = await this.store.find({ status: 'halted', limit: 10_000 });
    for (const execution of halted) this.armTimer(execution);
  }

  /** Runs `work` in the background; its failure is logged, never lost. */
  submit(executionId: string, work: () => Promise<Execution>): void {
    if (this.stopped)
      throw new Error('The workflow runner is shutting down and takes no new work.');
    const promise = work()
      .then((execution) => this.armTimer(execution))
      .catch((error: unknown) => {
        // Another writer (a cancel, a concurrent resume) moved it on: this run stopped without writing.
        if (error instanceof ConcurrentUpdateError || error instanceof ExecutionStateError) {
          this.logger.log(
            `Execution ${executionId} was changed elsewhere; this run stopped: ${error.message}`,
          );
          return;
        }
        this.logger.error(
          `Execution ${executionId}: ${error instanceof Error ? error.message : String(error)}`,
        );
      })
      .finally(() => this.inFlight.delete(promise));
    this.inFlight.add(promise);
  }

  /** Arms the timer a halted execution waits on, if any; clears it otherwise. */
  armTimer(execution: Execution): void {
    this.clearTimer(execution.id);
    if (this.stopped || execution.status !== 'halted') return;
    const due = dueAt(execution);
    if (due === null) return;
    const delay = Math.max(0, due - Date.now());
    const timer = setTimeout(
      () => {
        this.timers.delete(execution.id);
        if (delay > MAX_TIMER_MS) return this.armTimer(execution);
        this.submit(execution.id, () => this.engine.fireTimer(execution.id));
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    timer.unref();
    this.timers.set(execution.id, timer);
  }

  clearTimer(executionId: string): void {
    const timer = this.timers.get(executionId);
    if (timer) clearTimeout(timer);
    this.timers.delete(executionId);
  }

  /** Stops taking work and waits up to `graceMs` for what is in flight to reach a checkpoint. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    for (const id of [...this.timers.keys()]) this.clearTimer(id);
    let timeout: NodeJS.Timeout | undefined;
    const grace = new Promise<'late'>((resolve) => {
      timeout = setTimeout(() => resolve('late'), graceMs);
    });
    const outcome = await Promise.race([Promise.allSettled([...this.inFlight]), grace]);
    clearTimeout(timeout);
    if (outcome === 'late') {
      this.logger.warn(
        `${this.inFlight.size} execution(s) were still running after ${graceMs} ms; they continue from their last checkpoint on the next start.`,
      );
    }
  }
}

function dueAt(execution: Execution): number | null {
  for (const key of ['resume_at', 'expires_at']) {
    const value = execution.haltData?.[key];
    if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  }
  return null;
}
