import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  WorkflowEngine,
  type ResumePayload,
  type StartOptions,
} from '../core/engine/workflow-engine';
import { ExecutionNotFoundError, ExecutionStateError, WaitTimeoutError } from '../core/errors';
import { WorkflowRegistry } from '../core/registry';
import type { Entry, Execution } from '../core/types';
import type { FindQuery, WorkflowStore } from '../storage/workflow-store';
import { MODULE_OPTIONS, STORE } from './durable-workflow.constants';
import type { DurableWorkflowRuntimeOptions } from './durable-workflow.options';
import { InProcessRunner } from './in-process-runner';
import { WorkflowCallableExplorer } from './workflow-callable.explorer';

const RESTING = new Set(['completed', 'halted', 'failed', 'cancelled']);

/**
 * What applications call. Workflows are loaded and checked against the `@WorkflowCallable`
 * providers when the application starts: a workflow that names an unknown service or method stops
 * the start with the workflow, step and name in the message.
 */
@Injectable()
export class WorkflowService implements OnApplicationBootstrap, OnApplicationShutdown {
  private engineInstance?: WorkflowEngine;
  private runner?: InProcessRunner;
  private readonly listeners = new Set<(execution: Execution) => void>();

  constructor(
    @Inject(STORE) private readonly store: WorkflowStore,
    @Inject(MODULE_OPTIONS) private readonly options: Required<DurableWorkflowRuntimeOptions>,
    private readonly explorer: WorkflowCallableExplorer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const services = this.explorer.explore();
    const registry = new WorkflowRegistry(services);
    registry.registerAll(this.options.workflows);
    this.engineInstance = new WorkflowEngine({
      store: this.store,
      registry,
      services,
      onEvent: (event) => {
        if (event.type === 'execution')
          this.listeners.forEach((listener) => listener(event.execution));
      },
    });
    this.runner = new InProcessRunner(this.engineInstance, this.store);
    await this.runner.boot();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner?.stop(this.options.shutdownGraceMs);
  }

  /** Runs in this process until the execution completes, halts or fails, and resolves with it. */
  run(
    workflowId: string,
    input?: Record<string, unknown>,
    opts?: StartOptions,
  ): Promise<Execution> {
    return this.engine.run(workflowId, input, opts);
  }

  /** Saves a `pending` execution and returns at once; it runs in the background. */
  async start(
    workflowId: string,
    input?: Record<string, unknown>,
    opts?: StartOptions,
  ): Promise<Execution> {
    const { execution, created } = await this.engine.create(workflowId, input, opts);
    if (created) this.background.submit(execution.id, () => this.engine.drive(execution.id));
    return execution;
  }

  /**
   * Hands the resume of a halted execution to the runner, and returns once it was accepted (the
   * execution is no longer halted) or refused, without waiting for the next halt or the end.
   */
  async resume(executionId: string, payload: ResumePayload = {}): Promise<Execution> {
    const execution = await this.mustGet(executionId);
    if (execution.status !== 'halted') {
      throw new ExecutionStateError(executionId, execution.status, 'resume', ['halted']);
    }
    return new Promise<Execution>((resolve, reject) => {
      const listener = (saved: Execution) => {
        if (saved.id !== executionId || saved.status === 'halted') return;
        this.listeners.delete(listener);
        resolve(saved);
      };
      this.listeners.add(listener);
      this.background.submit(executionId, async () => {
        try {
          const outcome = await this.engine.resume(executionId, payload);
          listener({
            ...outcome,
            status: outcome.status === 'halted' ? 'running' : outcome.status,
          });
          return outcome;
        } catch (error) {
          this.listeners.delete(listener);
          reject(error);
          throw error;
        }
      });
    });
  }

  /** Resumes in this process until the next halt or the end. */
  async resumeNow(executionId: string, payload: ResumePayload = {}): Promise<Execution> {
    const execution = await this.engine.resume(executionId, payload);
    this.background.armTimer(execution);
    return execution;
  }

  /** Resolves once the execution is completed, halted, failed or cancelled. */
  async wait(
    executionId: string,
    { timeoutMs = 30_000 }: { timeoutMs?: number } = {},
  ): Promise<Execution> {
    const current = await this.mustGet(executionId);
    if (RESTING.has(current.status)) return current;
    return new Promise<Execution>((resolve, reject) => {
      const finish = (outcome: () => void) => {
        clearTimeout(timeout);
        clearInterval(poll);
        this.listeners.delete(listener);
        outcome();
      };
      const listener = (execution: Execution) => {
        if (execution.id === executionId && RESTING.has(execution.status))
          finish(() => resolve(execution));
      };
      // Another process may drive it: look at the store too.
      const poll = setInterval(() => {
        this.store.load(executionId).then(
          (execution) =>
            execution && RESTING.has(execution.status) && finish(() => resolve(execution)),
          (error: unknown) => finish(() => reject(error)),
        );
      }, 250);
      const timeout = setTimeout(() => {
        this.store.load(executionId).then(
          (execution) =>
            finish(() =>
              reject(new WaitTimeoutError(executionId, timeoutMs, execution?.status ?? 'gone')),
            ),
          (error: unknown) => finish(() => reject(error)),
        );
      }, timeoutMs);
      this.listeners.add(listener);
    });
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

  async cancel(executionId: string): Promise<Execution> {
    this.background.clearTimer(executionId);
    return this.engine.cancel(executionId);
  }

  async delete(executionId: string): Promise<boolean> {
    this.background.clearTimer(executionId);
    return this.store.delete(executionId);
  }

  private async mustGet(executionId: string): Promise<Execution> {
    const execution = await this.store.load(executionId);
    if (!execution) throw new ExecutionNotFoundError(executionId);
    return execution;
  }

  private get engine(): WorkflowEngine {
    if (!this.engineInstance) {
      throw new Error(
        'WorkflowService is used before the application started (call app.init() first).',
      );
    }
    return this.engineInstance;
  }

  private get background(): InProcessRunner {
    if (!this.runner)
      throw new Error(
        'WorkflowService is used before the application started (call app.init() first).',
      );
    return this.runner;
  }
}
