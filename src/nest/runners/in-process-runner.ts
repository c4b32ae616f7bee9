import { Logger } from '@nestjs/common';
import type {
  ForkOptions,
  ResumePayload,
  StartOptions,
  WorkflowEngine,
} from '../../core/engine/workflow-engine';
import { ExecutionNotFoundError, ExecutionStateError, NotRunningError } from '../../core/errors';
import type { Execution, ExecutionStatus } from '../../core/types';
import {
  ConcurrentUpdateError,
  RejectedValueError,
  StoreError,
} from '../../core/store/store-errors';
import type { WorkflowStore } from '../../core/store/workflow-store';
import { timerDueAt } from '../../core/engine/timer-due';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ConcurrencyGate } from '../concurrency/concurrency-gate';
import { HaltAnswers } from '../concurrency/halt-answers';
import { scheduleClockOf, type ScheduleClock } from '../../core/schedule/schedule-clock';
import { InProcessScheduler } from '../schedules/in-process-scheduler';
import { ScheduleTicks } from '../schedules/schedule-ticks';
import { systemClock, type WorkflowClock } from '../../core/clock';
import { OutageRetries } from './outage-retries';
import { withinGrace } from './within-grace';
import type { WorkflowRunner } from './workflow-runner';

/** Executions boot reads per query. */
const BOOT_PAGE_SIZE = 500;

/** How long a concurrency slot this process holds outlives its last renewal. */
const SLOT_TTL_MS = 30_000;

/**
 * Runs executions on this process's event loop: started ones, resumed ones, and timers for halted
 * ones (`resume_at` of a wait, `expires_at` of an approval), armed again from the store at boot so
 * they survive restarts. Tracks work in flight so shutdown can wait for it.
 */
export class InProcessRunner implements WorkflowRunner {
  private readonly logger = new Logger('DurableWorkflow');
  private readonly inFlight = new Set<Promise<unknown>>();
  /** How to cancel the timer armed for each halted execution. */
  private readonly timers = new Map<string, () => void>();
  private stopped = false;
  private readonly outageRetries: OutageRetries;
  /** Executions of workflows with a concurrency limit run only while they hold a slot. */
  readonly gate: ConcurrencyGate;
  private readonly halts: HaltAnswers;
  private readonly scheduler: InProcessScheduler;

  /**
   * @param retryAfterOutageMs how often the store is probed after an outage stopped work
   * @param clock what timers are armed on (the engine's time)
   * @param scheduleClock what schedules tick by: the same clock unless a test gives its own
   */
  constructor(
    private readonly engine: WorkflowEngine,
    private readonly store: WorkflowStore,
    retryAfterOutageMs = 2000,
    private readonly clock: WorkflowClock = systemClock,
    scheduleClock: ScheduleClock = scheduleClockOf(clock),
  ) {
    this.outageRetries = new OutageRetries(
      store,
      (execution) => this.carryOn(execution),
      retryAfterOutageMs,
      this.logger,
    );
    const holder = `${hostname().slice(0, 60)}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.gate = new ConcurrencyGate(
      store,
      engine.workflows,
      holder,
      SLOT_TTL_MS,
      this.logger,
      // Once stopped, the next start's boot drives them.
      (ids) => ids.forEach((id) => !this.stopped && this.drive(id)),
    );
    this.halts = new HaltAnswers(engine, this.gate);
    const ticks = new ScheduleTicks(
      engine.workflows,
      store,
      (workflowId, input, opts) => this.start(workflowId, input, opts),
      this.logger,
    );
    this.scheduler = new InProcessScheduler(ticks, scheduleClock, this.logger, (work) => {
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    });
  }

  /** Continues what a previous process left: pending and running executions, and halted timers. */
  async boot(): Promise<void> {
    // Running first: a pending execution driven from here becomes running, and reading running
    // executions after that would drive it a second time beside the first.
    for (const status of ['running', 'pending'] as const) {
      for await (const execution of this.everyExecution(status)) this.drive(execution);
    }
    for await (const execution of this.everyExecution('halted')) this.armTimer(execution);
    // Slots a previous process held for runs that ended: the executions in line behind them go on.
    await this.gate.freeLapsed();
    await this.scheduler.start();
  }

  /** Every execution in `status`, a page at a time, so boot reads all of them however many. */
  private async *everyExecution(status: ExecutionStatus): AsyncGenerator<Execution> {
    let before: string | undefined;
    for (;;) {
      const page = await this.store.find({ status, limit: BOOT_PAGE_SIZE, before });
      yield* page;
      if (page.length < BOOT_PAGE_SIZE) return;
      before = page[page.length - 1].id;
    }
  }

  /**
   * Runs the execution here until it halts or ends. One of a workflow with a concurrency limit runs
   * here only holding a slot; without one it is returned `pending`, in line, as `start` leaves it.
   */
  async run(
    workflowId: string,
    input: Record<string, unknown> | undefined,
    opts: StartOptions | undefined,
  ): Promise<Execution> {
    if (!this.engine.workflows.get(workflowId).concurrency)
      return this.settled(await this.engine.run(workflowId, input, opts));
    const { execution, created } = await this.engine.create(workflowId, input, opts);
    if (!created || !(await this.gate.enter(execution))) return execution;
    return this.afterHere(await this.engine.drive(execution.id));
  }

  async start(
    workflowId: string,
    input: Record<string, unknown> | undefined,
    opts: StartOptions | undefined,
  ): Promise<Execution> {
    const { execution, created } = await this.engine.create(workflowId, input, opts);
    // In line before start() returns, so executions of one key run in the order they were started.
    if (created && (await this.gate.enter(execution)))
      this.submit(execution.id, () => this.engine.drive(execution.id));
    return execution;
  }

  /**
   * Returns once the execution left `halted`, or rejects with the engine's refusal (not found, not
   * halted, an approval without `approved`, another resume first).
   */
  resume(executionId: string, payload: ResumePayload): Promise<Execution> {
    return new Promise<Execution>((resolve, reject) => {
      this.submit(executionId, async () => {
        try {
          const outcome = await this.halts.answer(await this.mustLoad(executionId), payload, {
            onAccepted: resolve,
          });
          // Halted again at once (a child still waiting), or parked until a concurrency slot is
          // free: accepted all the same.
          resolve(outcome);
          return outcome;
        } catch (error) {
          // The caller hears of it; logging it here too would report it twice.
          reject(error);
          return null;
        }
      });
    });
  }

  /** Resumes here; one that must wait for a concurrency slot is returned parked, `pending`. */
  async resumeNow(executionId: string, payload: ResumePayload): Promise<Execution> {
    return this.afterHere(await this.halts.answer(await this.mustLoad(executionId), payload));
  }

  async retry(executionId: string): Promise<Execution> {
    const reopened = await this.engine.retry(executionId);
    this.submit(reopened.id, () => this.engine.drive(reopened.id));
    return reopened;
  }

  async fork(executionId: string, options: ForkOptions): Promise<Execution> {
    const { execution: fork, created } = await this.engine.createFork(executionId, options);
    if (created) this.submit(fork.id, () => this.engine.drive(fork.id));
    return fork;
  }

  async cancel(executionId: string): Promise<Execution> {
    this.clearTimer(executionId);
    const cancelled = await this.engine.cancel(executionId);
    await this.gate.leave(cancelled);
    return cancelled;
  }

  async delete(executionId: string): Promise<boolean> {
    this.clearTimer(executionId);
    const execution = await this.store.load(executionId);
    if (execution) await this.gate.leave(execution);
    return this.store.delete(executionId);
  }

  /** Never: `resume` returns only once the execution left its halt. */
  async resumePending(): Promise<boolean> {
    return false;
  }

  /** Stops taking work and waits up to `graceMs` for what is in flight to reach a checkpoint. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    this.scheduler.stop();
    this.outageRetries.stop();
    for (const id of [...this.timers.keys()]) this.clearTimer(id);
    if (!(await withinGrace(Promise.allSettled([...this.inFlight]), graceMs))) {
      this.logger.warn(
        `${this.inFlight.size} execution(s) were still running after ${graceMs} ms; they continue from their last checkpoint on the next start.`,
      );
    }
    this.gate.stop();
  }

  /** Resolves once no work is in flight, including work that work in flight submitted. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Runs `work` in the background; its failure is logged, never lost. */
  private submit(executionId: string, work: () => Promise<Execution | null>): void {
    if (this.stopped)
      throw new NotRunningError('The workflow runner is shutting down and takes no new work.');
    const promise = work()
      .then(async (execution) => {
        if (!execution) return;
        this.settled(execution);
        await this.gate.settled(execution);
      })
      .catch((error: unknown) => {
        // Another writer (a cancel, a concurrent resume) moved it on: this run stopped without writing.
        if (error instanceof ConcurrentUpdateError || error instanceof ExecutionStateError) {
          this.logger.log(
            `Execution ${executionId} was changed elsewhere; this run stopped: ${error.message}`,
          );
          return;
        }
        if (isOutage(error)) return this.outageRetries.add(executionId);
        this.logger.error(
          `Execution ${executionId}: ${error instanceof Error ? error.message : String(error)}`,
        );
      })
      .finally(() => this.inFlight.delete(promise));
    this.inFlight.add(promise);
  }

  /**
   * Drives a pending or running execution in the background once it holds its concurrency slot;
   * one that waits in line is driven when a slot is handed on to it.
   */
  private drive(ref: Execution | string): void {
    const executionId = typeof ref === 'string' ? ref : ref.id;
    this.submit(executionId, async () => {
      const execution = typeof ref === 'string' ? await this.store.load(ref) : ref;
      if (!execution || !(await this.gate.enter(execution))) return null;
      // A copy read earlier (a boot page) still tells the slot; the drive reads it fresh.
      return this.engine.drive(typeof ref === 'string' ? execution : executionId);
    });
  }

  /** Takes an execution up again after an outage stopped its work. */
  private carryOn(execution: Execution): void {
    if (this.stopped) return;
    if (execution.status === 'pending' || execution.status === 'running') this.drive(execution);
    else this.armTimer(execution);
  }

  /** After work run in the caller's process: its slot given up, its timer armed. */
  private async afterHere(execution: Execution): Promise<Execution> {
    await this.gate.settled(execution);
    return this.settled(execution);
  }

  private async mustLoad(executionId: string): Promise<Execution> {
    const execution = await this.store.load(executionId);
    if (!execution) throw new ExecutionNotFoundError(executionId);
    return execution;
  }

  private settled(execution: Execution): Execution {
    this.armTimer(execution);
    return execution;
  }

  /** Arms the timer a halted execution waits on, if any; clears it otherwise. */
  private armTimer(execution: Execution): void {
    this.clearTimer(execution.id);
    if (this.stopped) return;
    const due = timerDueAt(execution);
    if (due === null) return;
    const cancel = this.clock.setTimer(due, () => {
      this.timers.delete(execution.id);
      if (!this.stopped)
        this.submit(execution.id, async () =>
          this.halts.answer(await this.mustLoad(execution.id), undefined),
        );
    });
    this.timers.set(execution.id, cancel);
  }

  private clearTimer(executionId: string): void {
    this.timers.get(executionId)?.();
    this.timers.delete(executionId);
  }
}

/** The store failed to answer (not a refusal of a value, not a conflict): worth trying again. */
function isOutage(error: unknown): boolean {
  return (
    error instanceof StoreError &&
    !(error instanceof RejectedValueError) &&
    !(error instanceof ConcurrentUpdateError)
  );
}
