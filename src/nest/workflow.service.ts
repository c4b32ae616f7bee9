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
import { ExecutionNotFoundError, WaitTimeoutError } from '../core/errors';
import { WorkflowRegistry } from '../core/registry';
import { isFinished, type Entry, type Execution } from '../core/types';
import type {
  DurableWorkflowStore,
  ExecutionCount,
  FindQuery,
  WorkflowStore,
} from '../core/store/workflow-store';
import { ResilientStore } from '../storage/resilient/resilient-store';
import { MODULE_OPTIONS, STORE, WORKFLOW_QUEUE } from './durable-workflow.constants';
import type { ResolvedModuleOptions } from './durable-workflow.options';
import { ExecutionEvents } from './execution-events';
import { ExecutionFeed } from './execution-feed';
import { OwnedResources } from './owned-resources';
import { SharedRemoteChanges } from './shared-remote-changes';
import { QueueRunner } from './queue/queue-runner';
import type { WorkflowBullQueue } from './queue/workflow-job-queue';
import { InProcessRunner } from './runners/in-process-runner';
import type { WorkflowRunner } from './runners/workflow-runner';
import { isDurableStore } from './store.providers';
import { WorkflowCallableExplorer } from './workflow-callable.explorer';

/** Executions `deleteFinished` removes per store call. */
const DELETE_BATCH = 1000;
/** How often `wait` looks at the store for changes the live feed can't report. */
const WAIT_POLL_MS = 1000;

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
    this.runnerInstance = this.createRunner(engine);
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
    return new Promise<Execution>((resolve, reject) => {
      let done = false;
      const finish = (outcome: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timeout);
        clearInterval(poll);
        unsubscribeLocal();
        unsubscribeRemote();
        outcome();
      };
      const fail = (error: unknown) => finish(() => reject(error));
      const consider = (execution: Execution | null) =>
        (execution ? this.restingState(execution) : Promise.resolve(null)).then(
          (rests) => rests && finish(() => resolve(rests)),
          fail,
        );
      const look = () => this.store.load(executionId).then(consider, fail);
      // Listening starts before the first look, so a change between the two is not missed.
      const unsubscribeLocal = this.events.subscribe((execution) => {
        if (execution.id === executionId) void consider(execution);
      });
      const unsubscribeRemote = this.remoteChanges.subscribe(
        (changedId) => {
          if (changedId === executionId) void look();
        },
        () => void look(),
      );
      // The poll is for changes neither source hears: another process driving it without a queue.
      const poll = setInterval(() => void look(), WAIT_POLL_MS);
      const timeout = setTimeout(() => {
        this.store
          .load(executionId)
          .then(
            (execution) =>
              finish(() =>
                reject(new WaitTimeoutError(executionId, timeoutMs, execution?.status ?? 'gone')),
              ),
            fail,
          );
      }, timeoutMs);
      this.mustGet(executionId).then(consider, fail);
    });
  }

  /** The execution as it rests now, or null while work on it is under way or queued. */
  private async restingState(execution: Execution): Promise<Execution | null> {
    if (isFinished(execution.status)) return execution;
    if (execution.status !== 'halted' || (await this.runner.resumePending(execution))) return null;
    // An accepted resume may have run between the read and that check: only a copy read after
    // it, still at the same revision, is known to rest.
    const again = await this.store.load(execution.id);
    if (!again) return null;
    return again.revision === execution.revision ? again : this.restingState(again);
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
    return this.storeWith('countExecutions')?.countExecutions() ?? null;
  }

  /**
   * Deletes every completed, failed or cancelled execution created before `createdBefore`, with its
   * trail, a thousand at a time; returns how many. Tables only grow otherwise: call it from a
   * schedule of the application's (`@nestjs/schedule`, a cron job).
   */
  async deleteFinished(createdBefore: Date): Promise<number> {
    const store = this.storeWith('deleteFinished');
    if (!store) {
      throw new Error(
        "The application's store has no deleteFinished(); deleting finished executions needs it (every store of this package has it).",
      );
    }
    let total = 0;
    for (;;) {
      const deleted = await store.deleteFinished({ createdBefore, limit: DELETE_BATCH });
      total += deleted;
      if (deleted < DELETE_BATCH) return total;
    }
  }

  /**
   * The store, when it has `method`: asked of the store inside the resilient wrapper, which has
   * every method itself.
   */
  private storeWith<M extends keyof DurableWorkflowStore>(
    method: M,
  ): Pick<DurableWorkflowStore, M> | null {
    const inner: Partial<DurableWorkflowStore> =
      this.store instanceof ResilientStore ? this.store.store : this.store;
    return typeof inner[method] === 'function' ? (this.store as DurableWorkflowStore) : null;
  }

  /** Stops a pending, running or halted execution; its waiting queue jobs are dropped. */
  cancel(executionId: string): Promise<Execution> {
    return this.runner.cancel(executionId);
  }

  delete(executionId: string): Promise<boolean> {
    return this.runner.delete(executionId);
  }

  private async mustGet(executionId: string): Promise<Execution> {
    const execution = await this.store.load(executionId);
    if (!execution) throw new ExecutionNotFoundError(executionId);
    return execution;
  }

  private createRunner(engine: WorkflowEngine): WorkflowRunner {
    if (!this.queue || !this.options.queue) return new InProcessRunner(engine, this.store);
    if (!isDurableStore(this.store)) {
      throw new Error(
        'The queue option needs a store with checkpoint, claim, extendClaim, releaseClaim and findClaimable (every store of this package has them); the custom store given has only the seven basic methods.',
      );
    }
    return new QueueRunner(engine, this.store, this.queue, this.options.queue);
  }

  private get runner(): WorkflowRunner {
    if (!this.runnerInstance)
      throw new Error(
        'WorkflowService is used before the application started (call app.init() first).',
      );
    return this.runnerInstance;
  }
}
