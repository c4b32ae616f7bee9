import type { Observable } from 'rxjs';
import { normalizeExecutionId } from '../core/execution-id';
import { Inject, Injectable } from '@nestjs/common';
import type { ForkOptions, ResumePayload, StartOptions } from '../core/engine/workflow-engine';
import { StoreCapabilityError } from '../core/errors';
import { storeCan } from '../core/store/store-capabilities';
import type { ExecutionCount, FindQuery, WorkflowStore } from '../core/store/workflow-store';
import type { Entry, Execution } from '../core/types';
import { STORE } from './durable-workflow.constants';
import { ExecutionFeed } from './execution-feed';
import { ExecutionWaiter } from './execution-waiter';
import { WorkflowEvents } from './events/workflow-events';
import { retryFailed, type RetryFailedQuery, type RetryFailedResult } from './retry-failed';
import type { WorkflowRunner } from './runners/workflow-runner';
import { WorkflowLifecycle } from './workflow-lifecycle';
import { WORKFLOW_ENGINE, WORKFLOW_RUNNER } from './workflow-runtime.providers';
import type { WorkflowEngine } from '../core/engine/workflow-engine';
import { listSchedules, type ScheduleInfo } from './schedules/schedule-listing';
import { concurrencyKey } from '../core/concurrency/concurrency-key';

/** Why a pending execution has not started: it waits in line for a slot of this key's value. */
export interface WaitingFor {
  concurrency: string;
}

/** Executions `deleteFinished` removes per store call. */
const DELETE_BATCH = 1000;

/**
 * What applications call: a facade over the runner (in process or BullMQ), the store and `wait`.
 * Workflows are loaded and checked against the `@WorkflowCallable` providers when the application
 * starts (`WorkflowLifecycle`); the service refuses work before that.
 */
@Injectable()
export class WorkflowService {
  constructor(
    @Inject(STORE) private readonly store: WorkflowStore,
    @Inject(WORKFLOW_RUNNER) private readonly workflowRunner: WorkflowRunner,
    private readonly waiter: ExecutionWaiter,
    private readonly feed: ExecutionFeed,
    private readonly lifecycle: WorkflowLifecycle,
    private readonly events: WorkflowEvents,
    @Inject(WORKFLOW_ENGINE) private readonly engine: WorkflowEngine,
  ) {}

  /**
   * Runs in this process until the execution completes, halts or fails, and resolves with it. One
   * that waits for a concurrency slot runs once a slot is handed on to it (in the background, or on
   * a worker in queue mode), and this resolves once that run halts or ends.
   */
  async run(
    workflowId: string,
    input?: Record<string, unknown>,
    opts?: StartOptions,
  ): Promise<Execution> {
    return this.afterItsTurn(await this.runner.run(workflowId, input, opts));
  }

  /** Saves a `pending` execution and hands it to the queue (or the in-process runner); returns at once. */
  start(
    workflowId: string,
    input?: Record<string, unknown>,
    opts?: StartOptions,
  ): Promise<Execution> {
    return this.runner.start(workflowId, input, opts);
  }

  /**
   * Hands the resume of a halted execution over, and returns once it was accepted, without waiting
   * for the next halt or the end. Any status but `halted` is refused with `ExecutionStateError`, and
   * so is a second resume of the same halt.
   */
  resume(executionId: string, payload: ResumePayload = {}): Promise<Execution> {
    return this.runner.resume(normalizeExecutionId(executionId), payload);
  }

  /**
   * Resumes in this process until the next halt or the end. A resume parked for a concurrency slot
   * resolves once the run that applies it halts or ends.
   */
  async resumeNow(executionId: string, payload: ResumePayload = {}): Promise<Execution> {
    return this.afterItsTurn(
      await this.runner.resumeNow(normalizeExecutionId(executionId), payload),
    );
  }

  /** An execution left `pending`, in line for a concurrency slot: its state once it had its run. */
  private afterItsTurn(execution: Execution): Promise<Execution> {
    if (execution.status !== 'pending') return Promise.resolve(execution);
    return this.waiter.wait(execution.id, null);
  }

  /**
   * Resolves once the execution is completed, halted, failed or cancelled; a halt whose resume was
   * accepted but not yet taken up by a worker does not count.
   */
  async wait(
    executionId: string,
    { timeoutMs = 30_000 }: { timeoutMs?: number } = {},
  ): Promise<Execution> {
    return this.waiter.wait(normalizeExecutionId(executionId), timeoutMs);
  }

  /**
   * Every change to an execution, for live views: this process's saves at once, and changes made
   * by other processes (queue workers) within a second.
   */
  changes(): Observable<Execution> {
    return this.feed.changes();
  }

  get(executionId: string): Promise<Execution | null> {
    return this.store.load(normalizeExecutionId(executionId));
  }

  /** The audit trail, oldest first. */
  entries(executionId: string): Promise<Entry[]> {
    return this.store.entries(normalizeExecutionId(executionId));
  }

  find(query?: FindQuery): Promise<Execution[]> {
    const before = query?.before;
    return this.store.find(
      before === undefined ? query : { ...query, before: normalizeExecutionId(before) },
    );
  }

  /**
   * How many worker processes take jobs from the queue now (this one included when it runs a
   * worker); null in in-process mode, where this process does the work. Zero while executions are
   * pending means nothing will run them.
   */
  async workersAlive(): Promise<number | null> {
    return (await this.runner.workersAlive?.()) ?? null;
  }

  /**
   * Every execution counted by workflow and status; null when the store is an application's own
   * with only the seven basic methods, which can't count without reading every execution.
   */
  async countExecutions(): Promise<ExecutionCount[] | null> {
    return storeCan(this.store, 'countExecutions') ? this.store.countExecutions() : null;
  }

  /**
   * Deletes every completed, failed or cancelled execution created before `createdBefore`, with its
   * trail, a thousand at a time; returns how many. Tables only grow otherwise: call it from a
   * schedule of the application's (`@nestjs/schedule`, a cron job).
   */
  async deleteFinished(createdBefore: Date): Promise<number> {
    const { store } = this;
    if (!storeCan(store, 'deleteFinished')) {
      throw new StoreCapabilityError('Deleting finished executions', ['deleteFinished']);
    }
    let total = 0;
    for (;;) {
      const deleted = await store.deleteFinished({ createdBefore, limit: DELETE_BATCH });
      total += deleted;
      if (deleted < DELETE_BATCH) return total;
    }
  }

  /** Stops a pending, running or halted execution; its waiting queue jobs are dropped. */
  cancel(executionId: string): Promise<Execution> {
    return this.runner.cancel(normalizeExecutionId(executionId));
  }

  delete(executionId: string): Promise<boolean> {
    return this.runner.delete(normalizeExecutionId(executionId));
  }

  /**
   * Delivers an event to every execution halted at an `event` step of this name whose `match` the
   * payload holds, and keeps it for lookback; resolves with the ids of the executions it resumed
   * (accepted, as `resume` returns). Each execution gets an event id at most once: sending the same
   * `id` again delivers nothing twice.
   */
  sendEvent(
    name: string,
    payload: unknown,
    options: { id?: string } = {},
  ): Promise<{ delivered: string[] }> {
    this.lifecycle.assertStarted();
    return this.events.send(name, payload, options);
  }

  /**
   * Runs a `failed` execution again from the step that failed, with the context it had before that
   * step; returns it `pending`, handed to the queue (or the in-process runner). Any other status is
   * refused with `ExecutionStateError`; a sub-workflow's execution (retry its parent), one past its
   * workflow's timeout, or one failed before failure points were recorded, with `RetryRefusedError`.
   */
  retry(executionId: string): Promise<Execution> {
    return this.runner.retry(normalizeExecutionId(executionId));
  }

  /**
   * A new execution of the same workflow version and input that reuses the recorded outputs of the
   * steps the execution completed before `fromStep` (they are not run again) and runs on from
   * `fromStep`; returns it `pending`. Its `runtime.forkedFrom` and a `forked` entry on both trails
   * say what was forked from what. Any status of the execution forked will do; a step unknown or
   * never reached is refused with `ForkRefusedError`. With `executionId`, asking again returns the
   * same fork as it is (no step runs twice); an id taken by any other execution is refused.
   */
  fork(executionId: string, options: ForkOptions): Promise<Execution> {
    return this.runner.fork(normalizeExecutionId(executionId), options);
  }

  /**
   * Retries every failed execution of a workflow created since `since`, newest first, up to
   * `limit`; returns the ids retried, and those skipped with the reason.
   */
  retryFailed(query: RetryFailedQuery): Promise<RetryFailedResult> {
    const runner = this.runner;
    return retryFailed(
      query,
      (page) => this.store.find(page),
      (id) => runner.retry(id),
    );
  }

  /** The registered schedules (top-level `schedule` of the newest version) and their next tick. */
  async schedules(): Promise<ScheduleInfo[]> {
    this.lifecycle.assertStarted();
    return listSchedules(this.engine.workflows, this.engine.currentTime());
  }

  /**
   * What a pending execution waits for before it runs: a slot of its workflow's concurrency limit
   * (the key's value); null for any other execution.
   */
  waitingFor(execution: Execution): WaitingFor | null {
    if (execution.status !== 'pending') return null;
    const { workflows } = this.engine;
    if (!workflows.versions(execution.workflowId).includes(execution.workflowVersion)) return null;
    const definition = workflows.get(execution.workflowId, execution.workflowVersion);
    if (!definition.concurrency) return null;
    return { concurrency: concurrencyKey(definition, execution) };
  }

  private get runner(): WorkflowRunner {
    this.lifecycle.assertStarted();
    return this.workflowRunner;
  }
}
