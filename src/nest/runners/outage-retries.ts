import type { Logger } from '@nestjs/common';
import type { WorkflowStore } from '../../core/store/workflow-store';
import type { Execution } from '../../core/types';

/**
 * Executions whose work in this process stopped because the store could not be reached. Every
 * `intervalMs` one load probes the store; once it answers, each execution is read again and handed
 * back, to be driven from its last checkpoint (or its timer armed, firing at once if it came due).
 */
export class OutageRetries {
  private readonly waiting = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: WorkflowStore,
    private readonly carryOn: (execution: Execution) => void,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  add(executionId: string): void {
    if (this.waiting.size === 0)
      this.logger.warn(
        `The store could not be reached; execution ${executionId} (and any other stopped by it) continues from its last checkpoint once it answers.`,
      );
    this.waiting.add(executionId);
    this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting.clear();
  }

  private schedule(): void {
    if (this.timer || this.waiting.size === 0) return;
    this.timer = setTimeout(() => void this.retry(), this.intervalMs);
    this.timer.unref();
  }

  private async retry(): Promise<void> {
    for (const executionId of [...this.waiting]) {
      let execution: Execution | null;
      try {
        execution = await this.store.load(executionId);
      } catch {
        break; // Still unreachable: the next probe tries again.
      }
      this.waiting.delete(executionId);
      if (execution) this.carryOn(execution);
    }
    this.timer = undefined;
    if (this.waiting.size === 0)
      this.logger.log('The store answers again; stopped executions continue.');
    this.schedule();
  }
}
