import { randomUUID } from 'node:crypto';
import { ConcurrentUpdateError } from '../store/store-errors';
import { storeCan } from '../store/store-capabilities';
import type { WorkflowStore } from '../store/workflow-store';
import type { WorkflowDefinition } from '../definition/definition-types';
import { ExecutionStateError, RetryRefusedError } from '../errors';
import type { Entry, Execution, ExecutionRuntime } from '../types';
import { childExecutionId, childPath } from './child-ids';
import type { EngineEvent } from './checkpointer';

export interface RetriesOptions {
  store: WorkflowStore;
  now: () => Date;
  emit: (event: EngineEvent) => void;
  definitionOf: (execution: Execution) => WorkflowDefinition;
}

/**
 * Puts a failed execution back to `pending` at the step that failed, with the context it had before
 * that step (a failed step leaves the context as it found it) and the loops it was in, so a runner
 * drives it on from there. A failed sub-workflow step retries its failed child first: the parent
 * runs the step again and so waits for the child again.
 */
export class Retries {
  constructor(private readonly options: RetriesOptions) {}

  /** Refused with `ExecutionStateError` unless failed, `RetryRefusedError` when it can't be. */
  async reopen(execution: Execution): Promise<Execution> {
    if (execution.status !== 'failed')
      throw new ExecutionStateError(execution.id, execution.status, 'retry', ['failed']);
    const parent = execution.runtime?.parent;
    if (parent) {
      throw new RetryRefusedError(
        execution.id,
        `it is a sub-workflow of execution "${parent.executionId}", which failed with it; retry that one, which runs this one again from its failed step`,
      );
    }
    return this.reopenFailed(execution);
  }

  private async reopenFailed(execution: Execution): Promise<Execution> {
    const runtime: ExecutionRuntime = execution.runtime ?? {
      frames: [],
      response: null,
      approved: null,
    };
    const failure = runtime.failure;
    if (!failure) {
      throw new RetryRefusedError(
        execution.id,
        'it failed before failure points were recorded (an earlier version of the package), so the context before its failed step is unknown; fork it from that step instead',
      );
    }
    const definition = this.options.definitionOf(execution);
    const now = this.options.now();
    if (
      definition.timeout !== undefined &&
      execution.createdAt.getTime() + definition.timeout * 1000 <= now.getTime()
    ) {
      throw new RetryRefusedError(
        execution.id,
        `the workflow's timeout of ${definition.timeout} s, counted from its start, has passed, so it would fail again at once; fork it from the failed step, which starts the count again`,
      );
    }
    const located = failure.stepId === null ? undefined : definition.index.get(failure.stepId);
    if (located?.step.type === 'workflow') await this.reopenChild(execution, failure);

    const {
      failure: _done,
      retry: _parked,
      recoveries: _taken,
      acceptedResume: _old,
      ...rest
    } = runtime;
    const retries = (runtime.retries ?? 0) + 1;
    const reopened: Execution = {
      ...execution,
      status: 'pending',
      currentStep: failure.stepId,
      error: null,
      result: null,
      haltData: null,
      recoverTo: null,
      runtime: { ...rest, frames: failure.frames, retries },
    };
    const owner = located?.owner;
    const entry: Entry = {
      id: randomUUID(),
      executionId: execution.id,
      stepId: owner && failure.stepId ? `${owner.id}:${failure.stepId}` : (failure.stepId ?? 'end'),
      stepType: located?.step.type ?? 'end',
      action: 'retried',
      durationMs: null,
      input: { retry: retries, error: execution.error },
      output: null,
      error: null,
      timestamp: now,
    };
    try {
      const { store } = this.options;
      let saved: Execution;
      if (storeCan(store, 'checkpoint')) {
        saved = await store.checkpoint(reopened, [entry]);
      } else {
        saved = await store.save(reopened);
        await store.record(entry);
      }
      this.options.emit({ type: 'entry', execution: saved, entry });
      this.options.emit({ type: 'execution', execution: saved });
      return saved;
    } catch (error) {
      // Another retry (or a delete) came first.
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      throw new ExecutionStateError(execution.id, 'being retried', 'retry', ['failed']);
    }
  }

  /** The child the failed sub-workflow step waited on, retried when it failed too. */
  private async reopenChild(
    execution: Execution,
    failure: NonNullable<ExecutionRuntime['failure']>,
  ): Promise<void> {
    const stepId = failure.stepId as string;
    const childId = childExecutionId(execution.id, childPath(failure.frames, stepId));
    const child = await this.options.store.load(childId);
    if (child?.status === 'failed') await this.reopenFailed(child);
  }
}
