import { Logger } from '@nestjs/common';
import { EventDelivery, type SendEventOptions } from '../../core/events/event-delivery';
import { eventWaitOf } from '../../core/events/event-keys';
import { WorkflowValidationError } from '../../core/errors';
import type { WorkflowRegistry } from '../../core/registry';
import type { WorkflowStore } from '../../core/store/workflow-store';
import type { Execution } from '../../core/types';
import type { ExecutionEvents } from '../execution-events';
import type { WorkflowRunner } from '../runners/workflow-runner';
import type { ResolvedEventsOptions } from './events.options';

const BOOT_PAGE_SIZE = 500;

/** When this process delivers again the events whose sender stopped before handing them off. */
export interface EventRedelivery {
  /** How often it looks. */
  everyMs: number;
  /** How long after its sending an event not marked delivered counts as left by its sender. */
  graceMs: number;
}

/**
 * Events in this process: `sendEvent`, the catch-up of an event that raced ahead of a wait (after
 * every halt at an `event` step made here), the redelivery of events a stopped sender left, and
 * the pruning of events past their retention.
 */
export class WorkflowEvents {
  private readonly logger = new Logger('DurableWorkflow');
  private readonly delivery: EventDelivery;
  private pruneTimer?: NodeJS.Timeout;
  private redeliverTimer?: NodeJS.Timeout;
  private redelivering?: Promise<void>;
  private unsubscribe?: () => void;
  private stopped = false;

  constructor(
    private readonly store: WorkflowStore,
    private readonly runner: WorkflowRunner,
    private readonly engineEvents: ExecutionEvents,
    private readonly options: ResolvedEventsOptions,
    private readonly inProcess: boolean,
    /** Null in a process that runs no worker: the workers' processes deliver again. */
    private readonly redelivery: EventRedelivery | null,
  ) {
    this.delivery = new EventDelivery({
      store,
      now: () => new Date(),
      resume: (executionId, payload) => this.runner.resume(executionId, payload),
    });
  }

  send(
    name: string,
    payload: unknown,
    options?: SendEventOptions,
  ): Promise<{ delivered: string[] }> {
    return this.delivery.send(name, payload, options);
  }

  /** Refuses event steps that look back further than events are kept. */
  check(registry: WorkflowRegistry): void {
    const problems: string[] = [];
    for (const id of registry.ids()) {
      for (const version of registry.versions(id)) {
        for (const { step } of registry.get(id, version).index.values()) {
          if (step.type === 'event' && step.lookback > this.options.retentionSeconds) {
            problems.push(
              `workflow "${id}" version "${version}", step "${step.id}": "lookback" is ${step.lookback} s, longer than events are kept (events.retentionSeconds = ${this.options.retentionSeconds}); shorten it or keep events longer`,
            );
          }
        }
      }
    }
    if (problems.length) throw new WorkflowValidationError('Event steps', problems);
  }

  /**
   * Starts catching up on halts made here, and pruning. In process, also catches up, in the
   * background, on every wait a previous process left: an event it kept just before it stopped,
   * without delivering it, is delivered now.
   */
  start(): void {
    this.unsubscribe = this.engineEvents.subscribe((execution) => {
      if (eventWaitOf(execution)) this.catchUp(execution);
    });
    this.pruneTimer = setInterval(() => void this.prune(), this.options.pruneIntervalMs);
    this.pruneTimer.unref();
    void this.prune();
    if (this.inProcess) void this.catchUpLeftWaits();
    if (this.redelivery) {
      this.redeliverTimer = setInterval(() => void this.redeliver(), this.redelivery.everyMs);
      this.redeliverTimer.unref();
      void this.redeliver();
    }
  }

  /** Delivers the events whose sender stopped before handing them off; one pass at a time. */
  private redeliver(): Promise<void> {
    const grace = this.redelivery?.graceMs ?? 0;
    this.redelivering ??= this.delivery
      .redeliver(new Date(Date.now() - grace))
      .then(({ events, resumed, failed }) => {
        if (events > 0)
          this.logger.warn(
            `Delivered ${events} event(s) whose sender stopped before handing them off: ${resumed} execution(s) resumed.`,
          );
        for (const { eventId, error } of failed) {
          if (this.stopped) break;
          this.logger.error(
            `Event ${eventId}: its sender stopped before delivering it, and delivering it again failed; the next pass tries again: ${String(error)}`,
          );
        }
      })
      .catch((error: unknown) => {
        if (!this.stopped)
          this.logger.warn(`Could not look for events left undelivered: ${String(error)}`);
      })
      .finally(() => (this.redelivering = undefined));
    return this.redelivering;
  }

  private async catchUpLeftWaits(): Promise<void> {
    try {
      for await (const execution of this.halted()) {
        if (this.stopped) return;
        if (eventWaitOf(execution)) this.catchUp(execution);
      }
    } catch (error) {
      this.logger.warn(`Could not look for events kept for waits left at start: ${String(error)}`);
    }
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    if (this.redeliverTimer) clearInterval(this.redeliverTimer);
  }

  private catchUp(execution: Execution): void {
    if (this.stopped) return;
    this.delivery.catchUp(execution).catch((error: unknown) => {
      // Stopping: the runner takes no more resumes; the next start catches up again.
      if (this.stopped) return;
      this.logger.error(
        `Execution ${execution.id}: could not look for events kept for its wait: ${String(error)}`,
      );
    });
  }

  private async prune(): Promise<void> {
    const sentBefore = new Date(Date.now() - this.options.retentionSeconds * 1000);
    try {
      await this.delivery.prune(sentBefore);
    } catch (error) {
      this.logger.warn(`Could not remove events past their retention: ${String(error)}`);
    }
  }

  private async *halted(): AsyncGenerator<Execution> {
    let before: string | undefined;
    for (;;) {
      const page = await this.store.find({ status: 'halted', limit: BOOT_PAGE_SIZE, before });
      yield* page;
      if (page.length < BOOT_PAGE_SIZE) return;
      before = page[page.length - 1].id;
    }
  }
}
