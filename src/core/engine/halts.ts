import { ConcurrentUpdateError } from '../store/store-errors';
import type { WorkflowStore } from '../store/workflow-store';
import {
  FINISHED,
  type LocatedStep,
  type StepDefinition,
  type WorkflowDefinition,
} from '../definition/definition-types';
import {
  ExecutionNotFoundError,
  ExecutionStateError,
  StepError,
  WorkflowValidationError,
} from '../errors';
import { continueAfterResume, type HaltedStepContext } from '../steps/step-handler';
import { stepHandler } from '../steps/step-registry';
import { isFinished, type Execution, type ExecutionRuntime, type ResumePayload } from '../types';
import type { Checkpointer } from './checkpointer';
import { childExecutionId, childPath, MAX_SUB_WORKFLOW_DEPTH } from './child-ids';
import { ExecutionTrack } from './execution-track';
import { parkedAnswerOf } from './parking';
import { RunState, topLoop, type RunOptions } from './run-state';
import type { StepOutcome } from './step-context';
import { isStoreFailure, type StepLoop } from './step-loop';
import { timerDueAt } from './timer-due';

/** What leaving a halt needs of the engine: driving executions, its own and children. */
export interface HaltsOptions {
  store: WorkflowStore;
  checkpointer: Checkpointer;
  loop: StepLoop;
  now: () => Date;
  definitionOf: (execution: Execution) => WorkflowDefinition;
  drive: (executionId: string) => Promise<Execution>;
  resume: (executionId: string, payload: ResumePayload) => Promise<Execution>;
  fireTimer: (executionId: string) => Promise<Execution>;
  cancel: (executionId: string) => Promise<Execution>;
  /** Runs a new child execution with this id; a parent's sub-workflow step waits on it. */
  startChild: (
    workflowId: string,
    input: Record<string, unknown>,
    executionId: string,
    parent: NonNullable<ExecutionRuntime['parent']>,
  ) => Promise<Execution>;
}

/**
 * Leaves halts: resumes, timers and children that finished. The halted step's handler decides where
 * the run goes; the first checkpoint is conditional on the revision, so of concurrent resumes
 * exactly one goes on.
 */
export class Halts {
  private readonly childrenDrivenByParent = new Set<string>();

  constructor(private readonly options: HaltsOptions) {}

  /** Refuses a resume that can't be accepted: not halted, or a payload the step can't take. */
  checkResume(execution: Execution, payload: ResumePayload): void {
    if (parkedAnswerOf(execution)) {
      throw new ExecutionStateError(
        execution.id,
        'already resumed and waiting for a concurrency slot',
        'resume',
        ['halted and not yet resumed'],
      );
    }
    if (execution.status !== 'halted') {
      throw new ExecutionStateError(execution.id, execution.status, 'resume', ['halted']);
    }
    const { step } = this.haltedStep(execution, this.options.definitionOf(execution));
    const problems = stepHandler(step).resumeProblems?.(step, payload) ?? [];
    if (problems.length)
      throw new WorkflowValidationError(`Resume of execution "${execution.id}"`, problems);
    const eventId = payload.event?.id;
    if (eventId !== undefined && execution.runtime?.events?.includes(eventId)) {
      throw new ExecutionStateError(execution.id, `already given event "${eventId}"`, 'deliver', [
        'waiting for an event it was not given yet',
      ]);
    }
  }

  async resume(
    execution: Execution,
    payload: ResumePayload,
    options: RunOptions,
  ): Promise<Execution> {
    this.checkResume(execution, payload);
    const state = new RunState(execution, this.options.definitionOf(execution), options);
    const located = this.haltedStep(state.saved, state.definition);
    state.runtime.response = payload.response ?? null;
    state.runtime.approved = payload.approved ?? null;
    // Kept in the context too, where the original format has them (and an `assign` may set them).
    state.ctx['response'] = state.runtime.response;
    state.ctx['approved'] = state.runtime.approved;
    // The caller may keep the payload and change it in place.
    state.exposed.add('response');
    // Applied with the checkpoint that leaves the halt: no longer waiting for anyone.
    delete state.runtime.acceptedResume;
    if (payload.event) state.runtime.events = [...(state.runtime.events ?? []), payload.event.id];
    const handler = stepHandler(located.step);
    const halted = this.haltedContext(state);
    return this.continueHalted(state, located, async () =>
      handler.resume
        ? handler.resume(located.step, halted, payload)
        : continueAfterResume(halted, payload),
    );
  }

  async fireTimer(execution: Execution, options: RunOptions): Promise<Execution> {
    if (execution.status !== 'halted') return execution;
    const state = new RunState(execution, this.options.definitionOf(execution), options);
    const located = this.haltedStep(state.saved, state.definition);
    const handler = stepHandler(located.step);
    if (!handler.fireTimer) return execution;
    const halted = this.haltedContext(state);
    return this.continueHalted(
      state,
      located,
      () => handler.fireTimer!(located.step, halted),
      true,
    );
  }

  /** A child that finished on its own (a timer, a direct resume) lets its halted parent go on. */
  async settleParent(child: Execution): Promise<void> {
    const parentRef = child.runtime?.parent;
    if (!parentRef || this.childrenDrivenByParent.has(child.id)) return;
    const parent = await this.options.store.load(parentRef.executionId);
    if (parent?.status !== 'halted' || parent.haltData?.['child_execution_id'] !== child.id) return;
    const state = new RunState(parent, this.options.definitionOf(parent));
    const located = this.haltedStep(state.saved, state.definition);
    const handler = stepHandler(located.step);
    if (!handler.childFinished) return;
    await this.continueHalted(state, located, async () =>
      handler.childFinished!(located.step, child, state.ctx),
    ).catch((error: unknown) => {
      if (!(error instanceof ExecutionStateError)) throw error;
    });
  }

  /** Runs (or finds, after a crash) the child execution of a sub-workflow step. */
  async runChild(
    state: RunState,
    parent: Execution,
    step: StepDefinition & { type: 'workflow' },
    input: Record<string, unknown>,
  ): Promise<Execution> {
    const id = childExecutionId(parent.id, childPath(state.frames, step.id));
    const existing = await this.options.store.load(id);
    if (existing)
      return isFinished(existing.status) || existing.status === 'halted'
        ? existing
        : this.options.drive(id);
    // A backstop for recursion the registry could not see (workflows registered one at a time).
    const depth = (parent.runtime?.parent?.depth ?? 0) + 1;
    if (depth > MAX_SUB_WORKFLOW_DEPTH) {
      throw new StepError(
        `workflow "${step.workflow_id}" would run ${depth} sub-workflows deep, more than the limit of ${MAX_SUB_WORKFLOW_DEPTH}; a workflow that runs itself, directly or through others, never ends`,
      );
    }
    // Unknown only under a parent written before roots were kept: workers then look it up.
    const rootId = parent.runtime?.parent ? parent.runtime.parent.rootId : parent.id;
    return this.options.startChild(step.workflow_id, input, id, {
      executionId: parent.id,
      stepId: step.id,
      depth,
      ...(rootId === undefined ? {} : { rootId }),
    });
  }

  /** Cancels the child execution of a sub-workflow step; one that already finished is left. */
  async cancelChild(
    state: RunState,
    parent: Execution,
    step: StepDefinition & { type: 'workflow' },
  ): Promise<string> {
    const childId = childExecutionId(parent.id, childPath(state.frames, step.id));
    await this.cancelQuietly(childId);
    return childId;
  }

  private async cancelQuietly(childId: string): Promise<void> {
    await this.options.cancel(childId).catch((error: unknown) => {
      if (!(error instanceof ExecutionStateError || error instanceof ExecutionNotFoundError))
        throw error;
    });
  }

  private haltedContext(state: RunState): HaltedStepContext {
    const { now } = this.options;
    const dueAt = timerDueAt(state.saved) ?? Infinity;
    return {
      execution: state.saved,
      ctx: state.ctx,
      now,
      timerDue: () => dueAt <= now().getTime(),
      resumeChild: (payload) =>
        this.forwardToChild(state, (id) => this.options.resume(id, payload)),
      fireChildTimer: () => this.forwardToChild(state, (id) => this.options.fireTimer(id)),
      cancelChild: async () => {
        const childId = state.saved.haltData?.['child_execution_id'];
        if (typeof childId === 'string') await this.cancelQuietly(childId);
      },
    };
  }

  private async forwardToChild(
    state: RunState,
    act: (childId: string) => Promise<Execution>,
  ): Promise<Execution> {
    const childId = state.saved.haltData?.['child_execution_id'];
    if (typeof childId !== 'string') throw new StepError('the halt data names no child execution');
    // The parent is carried on here, so the child must not also wake it when it finishes.
    this.childrenDrivenByParent.add(childId);
    try {
      return await act(childId);
    } finally {
      this.childrenDrivenByParent.delete(childId);
    }
  }

  /**
   * Leaves a halt as `decide` says (null: stay as it is; a halt again, for a child still halted).
   * With `quietIfUnchanged` a halt identical to the current one writes nothing.
   */
  private async continueHalted(
    state: RunState,
    located: LocatedStep,
    decide: () => Promise<StepOutcome | null>,
    quietIfUnchanged = false,
  ): Promise<Execution> {
    const { checkpointer, loop } = this.options;
    let outcome: StepOutcome | null;
    try {
      outcome = await decide();
    } catch (error) {
      if (isStoreFailure(error)) throw error;
      state.saved = { ...state.saved, status: 'running' };
      await loop.fail(this.track(state), located, error, 0);
      return state.saved.status === 'running' ? this.advance(state) : state.saved;
    }
    if (outcome === null) return state.saved;
    if (outcome.kind === 'halt') {
      const same = JSON.stringify(outcome.haltData) === JSON.stringify(state.saved.haltData);
      if (!(quietIfUnchanged && same))
        await checkpointer.commit(state, { haltData: outcome.haltData });
      return state.saved;
    }
    const result = outcome.kind === 'continue' || outcome.kind === 'finish' ? outcome.result : null;
    const frame = topLoop(state.frames);
    if (frame && located.owner?.id === frame.stepId) frame.last = result;
    const { step } = located;
    checkpointer.record(state, step.id, step.type, { action: 'completed', output: result });
    const next =
      outcome.kind !== 'continue'
        ? FINISHED
        : outcome.next !== undefined
          ? outcome.next
          : state.successor(located);
    try {
      await checkpointer.leaveHalt(state, next);
      state.options.onAccepted?.(state.saved);
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      const current = await this.options.store.load(state.saved.id);
      if (!current) throw new ExecutionNotFoundError(state.saved.id);
      const status = current.status === 'halted' ? 'being resumed' : current.status;
      throw new ExecutionStateError(state.saved.id, status, 'resume', ['halted']);
    }
    return this.advance(state);
  }

  private track(state: RunState): ExecutionTrack {
    return new ExecutionTrack(state, this.options.checkpointer, this.options.now);
  }

  private async advance(state: RunState): Promise<Execution> {
    await this.options.loop.run(this.track(state));
    return state.saved;
  }

  private haltedStep(execution: Execution, definition: WorkflowDefinition): LocatedStep {
    const stepId = execution.currentStep;
    const located = stepId ? definition.index.get(stepId) : undefined;
    if (!located) {
      throw new ExecutionStateError(
        execution.id,
        `halted at an unknown step "${stepId}"`,
        'resume',
        ['halted at a known step'],
      );
    }
    return located;
  }
}
