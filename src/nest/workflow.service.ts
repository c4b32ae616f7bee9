import type { Observable } from 'rxjs';
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  WorkflowEngine,
  type ResumePayload,
  type StartOptions,
} from '../core/engine/workflow-engine';
import { NotRunningError, StoreCapabilityError } from '../core/errors';
import { storeCan } from '../core/store/store-capabilities';
import { WorkflowRegistry } from '../core/registry';
import type { Entry, Execution } from '../core/types';
import type { ExecutionCount, FindQuery, WorkflowStore } from '../core/store/workflow-store';
import { MODULE_OPTIONS, STORE, WORKFLOW_QUEUE } from './durable-workflow.constants';
import type { ResolvedModuleOptions } from './durable-workflow.options';
import { ExecutionEvents } from './execution-events';
import { ExecutionFeed } from './execution-feed';
import { ExecutionWaiter } from './execution-waiter';
import { OwnedResources } from './owned-resources';
import { SharedRemoteChanges } from './shared-remote-changes';
import type { WorkflowBullQueue } from './queue/workflow-job-queue';
import { createRunner } from './runners/create-runner';
import type { WorkflowRunner } from './runners/workflow-runner';
import { WorkflowCallableExplorer } from './workflow-callable.explorer';

/** Executions `deleteFinished` removes per store call. */
const DELETE_BATCH = 1000;

/**
 * What applications call. Workflows are loaded and checked against the `@WorkflowCallable`
 * providers when the application starts: a workflow that names an unknown service or method stops
 * the start with the workflow, step and name in the message.
 */
@Injectable()
export class WorkflowService
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private runnerInstance?: WorkflowRunner;
  private readonly events = new ExecutionEvents();
  private readonly feed: ExecutionFeed;
  private readonly remoteChanges: SharedRemoteChanges;
  private readonly waiter: ExecutionWaiter;

  constructor(
    @Inject(STORE) private readonly store: WorkflowStore,
    @Inject(MODULE_OPTIONS) private readonly options: ResolvedModuleOptions,
    @Inject(WORKFLOW_QUEUE) private readonly queue: WorkflowBullQueue | null,
    private readonly explorer: WorkflowCallableExplorer,
    private readonly owned: OwnedResources,
  ) {
    this.remoteChanges = new SharedRemoteChanges(
      () => this.runnerInstance?.watchRemote?.bind(this.runnerInstance) ?? null,
    );
    this.feed = new ExecutionFeed(this.events, store, this.remoteChanges);
    this.waiter = new ExecutionWaiter(store, this.events, this.remoteChanges, (execution) =>
      this.runner.resumePending(execution),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const services = this.explorer.explore();
    const registry = new WorkflowRegistry(services);
    registry.registerAll(this.options.workflows);
    const engine = new WorkflowEngine({
      store: this.store,
      registry,
      services,
      onEvent: (event) => {
        if (event.type === 'execution') this.events.emit(event.execution);
      },
    });
    this.runnerInstance = createRunner(engine, this.store, this.queue, this.options);
    await this.runnerInstance.boot();
  }

  /** Ends the live streams before the HTTP server closes, so their connections don't hold it open. */
  beforeApplicationShutdown(): void {
    this.feed.close();
    this.remoteChanges.close();
  }

  /**
   * The one place shutdown happens, in order: the runner stops taking work and lets what is in
   * flight reach a checkpoint (closing its workers), then what the module opened (the queue, a
   * store's own connection) is closed. Stores close nothing earlier, so the drain can still write.
   */
  async onApplicationShutdown(): Promise<void> {
    try {
      await this.runnerInstance?.stop(this.options.shutdownGraceMs);
    } finally {
      await this.owned.closeAll();
    }
  }

  /** Runs in this process until the execution completes, halts or fails, and resolves with it. */
  run(
    workflowId: string,
    input?: Record<string, unknown>,
    opts?: StartOptions,
  ): Promise<Execution> {
    return this.runner.run(workflowId, input, opts);
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
    return this.runner.resume(executionId, payload);
  }

  /** Resumes in this process until the next halt or the end. */
  resumeNow(executionId: string, payload: ResumePayload = {}): Promise<Execution> {
    return this.runner.resumeNow(executionId, payload);
  }

  /**
   * Resolves once the execution is completed, halted, failed or cancelled; a halt whose resume was
   * accepted but not yet taken up by a worker does not count.
   */
  async wait(
    executionId: string,
    { timeoutMs = 30_000 }: { timeoutMs?: number } = {},
  ): Promise<Execution> {
    return this.waiter.wait(executionId, timeoutMs);
  }

  /**
   * Every change to an execution, for live views: this process's saves at once, and changes made
   * by other processes (queue workers) within a second.
   */
  changes(): Observable<Execution> {
    return this.feed.changes();
  }

  get(executionId: string): Promise<Execution | null> {
    return this.store.load(executionId);
  }

  /** The audit trail, oldest first. */
  entries(executionId: string): Promise<Entry[]> {
    return this.store.entries(executionId);
  }

  find(query?: FindQuery): Promise<Execution[]> {
    return this.store.find(query);
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
    return this.runner.cancel(executionId);
  }

  delete(executionId: string): Promise<boolean> {
    return this.runner.delete(executionId);
  }

  private get runner(): WorkflowRunner {
    if (!this.runnerInstance)
      throw new NotRunningError(
        'WorkflowService is used before the application started: call app.init() (or app.listen()) first.',
      );
    return this.runnerInstance;
  }
}
