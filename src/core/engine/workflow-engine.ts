import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  ConcurrentUpdateError,
  StoreError,
  UnserializableValueError,
} from '../../storage/store-errors';
import type { DurableWorkflowStore, WorkflowStore } from '../../storage/workflow-store';
import {
  FINISHED,
  type LocatedStep,
  type StepDefinition,
  type WorkflowDefinition,
} from '../definition/definition-types';
import { serializeError } from '../error-serialization';
import {
  ExecutionNotFoundError,
  ExecutionStateError,
  RecoveryLimitError,
  StepFailedError,
  WorkflowTimeoutError,
  WorkflowValidationError,
} from '../errors';
import type { WorkflowRegistry } from '../registry';
import { evaluateCondition } from '../runtime/conditions';
import { resolveValue, type ReferenceScope } from '../runtime/references';
import { ServiceRegistry, type ServiceResolver } from '../services';
import { childOutcome } from '../steps/workflow-step';
import { isFinished, type Entry, type Execution } from '../types';
import { timerDueAt } from './timer-due';
import { lastError, runSequenceInMemory } from './branch-runner';
import { childExecutionId } from './child-ids';
import { validateInputs } from './inputs';
import { advanceLoop, leaveLoop, type LoopFrame } from './loop-iteration';
import { RunState, type RunOptions } from './run-state';
import type { EntryDraft, RecordedDraft, StepContext, StepOutcome } from './step-context';
import { runStep } from './step-handlers';

export interface WorkflowEngineOptions {
  store: WorkflowStore | DurableWorkflowStore;
  registry: WorkflowRegistry;
  /** Services `call` steps may reach. @defaultValue none */
  services?: ServiceResolver;
  /** @defaultValue () => new Date() */
  now?: () => Date;
  /** How retry back-off waits. @defaultValue a timer */
  sleep?: (ms: number) => Promise<void>;
  /** Told of every entry recorded and every execution saved, for live views. */
  onEvent?: (event: EngineEvent) => void;
}

export type EngineEvent =
  | { type: 'entry'; execution: Execution; entry: Entry }
  | { type: 'execution'; execution: Execution };

export interface ResumePayload {
  response?: unknown;
  approved?: boolean;
}

export interface StartOptions {
  /** Makes start idempotent: an existing execution with this id is returned as it is. */
  executionId?: string;
}

/**
 * Runs workflow definitions step by step, checkpointing after every step: after a crash the state
 * is that after the last completed step. Knows nothing of queues or timers: a runner calls `drive`
 * for recovery and `fireTimer` when `halt_data.resume_at` / `expires_at` comes.
 */
export class WorkflowEngine {
  private readonly store: WorkflowStore | DurableWorkflowStore;
  private readonly registry: WorkflowRegistry;
  private readonly services: ServiceResolver;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onEvent?: (event: EngineEvent) => void;
  private readonly childrenDrivenByParent = new Set<string>();

  constructor(options: WorkflowEngineOptions) {
    this.store = options.store;
    this.registry = options.registry;
    this.services = options.services ?? new ServiceRegistry();
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? ((ms) => delay(ms).then(() => undefined));
    this.onEvent = options.onEvent;
  }

  /**
   * Creates an execution and runs it in this process until it completes, halts or fails. The
   * execution is first written by its first step's checkpoint, not by a write of its own.
   */
  async run(
    workflowId: string,
    input?: Record<string, unknown>,
    options: StartOptions = {},
  ): Promise<Execution> {
    if (options.executionId !== undefined) {
      const existing = await this.store.load(options.executionId);
      if (existing) return existing;
    }
    return this.runNew(this.registry.get(workflowId), input, options.executionId);
  }

  /**
   * Runs a new execution whose first checkpoint inserts it. When another starter inserted the same
   * id first, that execution is returned and nothing runs here.
   */
  private async runNew(
    definition: WorkflowDefinition,
    input: Record<string, unknown> | undefined,
    executionId: string | undefined,
    parent?: { executionId: string; stepId: string },
  ): Promise<Execution> {
    const execution = this.newExecution(definition, input, executionId);
    if (parent) execution.runtime = { frames: [], response: null, approved: null, parent };
    const state = new RunState({ ...execution, status: 'running' }, definition);
    try {
      return await this.advance(state);
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || state.saved.revision !== undefined)
        throw error;
      return this.mustLoad(execution.id);
    }
  }

  /** Saves a `pending` execution without running it; an existing `executionId` is returned as is. */
  async create(
    workflowId: string,
    input?: Record<string, unknown>,
    options: StartOptions = {},
  ): Promise<{ execution: Execution; created: boolean }> {
    if (options.executionId !== undefined) {
      const existing = await this.store.load(options.executionId);
      if (existing) return { execution: existing, created: false };
    }
    const execution = this.newExecution(this.registry.get(workflowId), input, options.executionId);
    try {
      const saved = await this.store.save(execution);
      this.emit({ type: 'execution', execution: saved });
      return { execution: saved, created: true };
    } catch (error) {
      // Two starters with one id: the other one's execution is the one.
      if (!(error instanceof ConcurrentUpdateError) || options.executionId === undefined)
        throw error;
      const existing = await this.store.load(options.executionId);
      if (!existing) throw error;
      return { execution: existing, created: false };
    }
  }

  private newExecution(
    definition: WorkflowDefinition,
    input: Record<string, unknown> | undefined,
    executionId: string | undefined,
  ): Execution {
    const values = validateInputs(definition, input);
    const now = this.now();
    return {
      id: executionId ?? randomUUID(),
      workflowId: definition.id,
      workflowVersion: definition.version,
      status: 'pending',
      input: values,
      ctx: { ...values },
      currentStep: definition.steps[0].id,
      result: null,
      recoverTo: null,
      haltData: null,
      error: null,
      runtime: { frames: [], response: null, approved: null },
      createdAt: now,
      updatedAt: now,
    };
  }

  /**
   * Drives a `pending` or `running` execution from its last checkpoint (a new one, or one whose
   * worker died). The step that was in flight runs again. Others are returned unchanged.
   */
  async drive(executionId: string, options: RunOptions = {}): Promise<Execution> {
    return this.driveLoaded(await this.mustLoad(executionId), options);
  }

  /** `drive` for an execution the caller just loaded or claimed, saving a read. */
  async driveLoaded(execution: Execution, options: RunOptions = {}): Promise<Execution> {
    if (execution.status !== 'pending' && execution.status !== 'running') return execution;
    // A pending execution becomes running with its first checkpoint, not a write of its own.
    const state = new RunState(
      { ...execution, status: 'running' },
      this.definitionOf(execution),
      options,
    );
    return this.advance(state);
  }

  /**
   * Refuses a resume that can't be accepted: the execution is not halted, or an approval is
   * answered without `approved`. Runners call it before handing a resume to a queue.
   */
  checkResume(execution: Execution, payload: ResumePayload): void {
    if (execution.status !== 'halted') {
      throw new ExecutionStateError(execution.id, execution.status, 'resume', ['halted']);
    }
    const located = this.haltedStep(execution, this.definitionOf(execution));
    if (located.step.type === 'approval' && typeof payload.approved !== 'boolean') {
      throw new WorkflowValidationError(`Resume of execution "${execution.id}"`, [
        `"approved" must be true or false to answer approval step "${located.step.id}"`,
      ]);
    }
  }

  /** Answers a halted execution and runs it until the next halt or the end. */
  async resume(
    executionId: string,
    payload: ResumePayload = {},
    options: RunOptions = {},
  ): Promise<Execution> {
    return this.resumeLoaded(await this.mustLoad(executionId), payload, options);
  }

  /** `resume` of an execution the caller has just loaded or claimed: no second read. */
  async resumeLoaded(
    execution: Execution,
    payload: ResumePayload = {},
    options: RunOptions = {},
  ): Promise<Execution> {
    this.checkResume(execution, payload);
    const state = new RunState(execution, this.definitionOf(execution), options);
    const located = this.haltedStep(state.saved, state.definition);
    state.runtime.response = payload.response ?? null;
    state.runtime.approved = payload.approved ?? null;
    return this.continueHalted(state, located, async () => {
      const step = located.step;
      if (step.type === 'workflow')
        return this.resumeChild(state, step, (id) => this.resume(id, payload));
      const result = { approved: payload.approved ?? null, response: payload.response ?? null };
      if (step.type === 'approval' && payload.approved === false) {
        if (step.on_reject === undefined) throw new Error('the approval was rejected');
        return { kind: 'continue', result, next: step.on_reject };
      }
      return { kind: 'continue', result, next: state.saved.recoverTo };
    });
  }

  /**
   * What a runner calls when a halted execution's `resume_at` or `expires_at` has come: a `wait`
   * continues, an expired approval moves to `on_timeout` (or fails). Early or stale calls change
   * nothing.
   */
  async fireTimer(executionId: string, options: RunOptions = {}): Promise<Execution> {
    return this.fireTimerLoaded(await this.mustLoad(executionId), options);
  }

  /** `fireTimer` of an execution the caller has just loaded or claimed: no second read. */
  async fireTimerLoaded(execution: Execution, options: RunOptions = {}): Promise<Execution> {
    if (execution.status !== 'halted') return execution;
    const state = new RunState(execution, this.definitionOf(execution), options);
    const located = this.haltedStep(state.saved, state.definition);
    const step = located.step;
    const due = (timerDueAt(execution) ?? Infinity) <= this.now().getTime();
    if (step.type === 'workflow') {
      return this.continueHalted(
        state,
        located,
        () => this.resumeChild(state, step, (id) => this.fireTimer(id)),
        true,
      );
    }
    if (step.type === 'wait' && due) {
      return this.continueHalted(state, located, async () => ({
        kind: 'continue',
        result: { resumed_at: this.now().toISOString() },
        next: state.saved.recoverTo,
      }));
    }
    if (step.type === 'approval' && due) {
      return this.continueHalted(state, located, async () => {
        if (step.on_timeout === undefined)
          throw new Error(`the approval expired after ${step.timeout} s`);
        return { kind: 'continue', result: { timed_out: true }, next: step.on_timeout };
      });
    }
    return execution;
  }

  /** Stops a pending, running or halted execution (and a child it is waiting on). */
  async cancel(executionId: string): Promise<Execution> {
    // A process driving it may checkpoint in between: load again and retry, and that process's next
    // checkpoint is then refused, so it stops.
    for (let attempt = 1; ; attempt++) {
      const execution = await this.mustLoad(executionId);
      if (isFinished(execution.status)) {
        throw new ExecutionStateError(executionId, execution.status, 'cancel', [
          'pending',
          'running',
          'halted',
        ]);
      }
      const child = execution.haltData?.['child_execution_id'];
      if (typeof child === 'string') {
        const childExecution = await this.store.load(child);
        if (childExecution && !isFinished(childExecution.status)) await this.cancel(child);
      }
      try {
        const cancelled = await this.store.save({
          ...execution,
          status: 'cancelled',
          haltData: null,
        });
        this.emit({ type: 'execution', execution: cancelled });
        return cancelled;
      } catch (error) {
        if (!(error instanceof ConcurrentUpdateError) || attempt >= 10) throw error;
      }
    }
  }

  /**
   * Fails a `pending` or `running` execution whose step in flight keeps killing its worker: what a
   * runner calls once recovery reached its limit. Others are returned unchanged.
   */
  async failRecovery(executionId: string, recoveries: number): Promise<Execution> {
    const execution = await this.mustLoad(executionId);
    if (execution.status !== 'pending' && execution.status !== 'running') return execution;
    const state = new RunState({ ...execution, status: 'running' }, this.definitionOf(execution));
    return this.fail(state, new RecoveryLimitError(executionId, execution.currentStep, recoveries));
  }

  // ---------------------------------------------------------------------------------------------

  private async advance(state: RunState): Promise<Execution> {
    for (;;) {
      const timeout = state.definition.timeout;
      if (timeout !== undefined && this.remainingMs(state)! <= 0) {
        return this.fail(state, new WorkflowTimeoutError(state.definition.id, timeout));
      }
      const stepId = state.saved.currentStep;
      if (stepId === FINISHED) return this.complete(state, { ...state.ctx });
      if (stepId === null) {
        const frame = state.topLoop();
        if (!frame) return this.complete(state, { ...state.ctx });
        if (await this.endIteration(state, frame)) return state.saved;
        continue;
      }
      const located = state.located(stepId);
      if (!located) {
        return this.fail(
          state,
          new Error(
            `step "${stepId}" is not in version ${state.definition.version} of "${state.definition.id}"`,
          ),
        );
      }
      const began = Date.now();
      let outcome: StepOutcome;
      try {
        outcome = await runStep(located.step, this.contextFor(state));
      } catch (error) {
        if (isStoreFailure(error)) throw error;
        if (await this.handleFailure(state, located, error, Date.now() - began)) return state.saved;
        continue;
      }
      if (await this.applyOutcome(state, located, outcome, Date.now() - began)) return state.saved;
    }
  }

  /** Records the outcome and checkpoints; true when the run stops here (halted or finished). */
  private async applyOutcome(
    state: RunState,
    located: LocatedStep,
    outcome: StepOutcome,
    durationMs: number,
  ): Promise<boolean> {
    const { step } = located;
    if (outcome.kind !== 'retry') delete state.runtime.retry;
    switch (outcome.kind) {
      case 'retry':
        state.runtime.retry = { stepId: step.id, attempt: outcome.attempt, at: outcome.at };
        await this.commitOrFail(state, located, {});
        return true;
      case 'enter':
        this.record(state, step.id, step.type, { action: 'started', durationMs });
        state.frames.push(outcome.frame);
        return this.commitOrFail(state, located, { currentStep: outcome.first });
      case 'halt': {
        this.record(state, step.id, step.type, {
          action: 'halted',
          output: outcome.haltData,
          durationMs,
        });
        const recoverTo =
          outcome.recoverTo !== undefined ? outcome.recoverTo : state.successor(located);
        await this.commitOrFail(state, located, {
          status: 'halted',
          haltData: outcome.haltData,
          recoverTo,
        });
        return true;
      }
      case 'finish':
        this.record(state, step.id, step.type, {
          action: 'completed',
          output: outcome.result,
          durationMs,
        });
        await this.complete(state, outcome.result);
        return true;
      case 'continue': {
        this.record(state, step.id, step.type, {
          action: 'completed',
          output: outcome.result,
          durationMs,
        });
        const frame = state.topLoop();
        if (frame && located.owner?.id === frame.stepId) frame.last = outcome.result;
        const next = outcome.next !== undefined ? outcome.next : state.successor(located);
        // The run ends here: one checkpoint saves the step and the completion together.
        if (next === FINISHED || (next === null && !state.topLoop())) {
          await this.complete(state, { ...state.ctx });
          return true;
        }
        return this.commitOrFail(state, located, { currentStep: next });
      }
    }
  }

  /** Ends an iteration: starts the next one or leaves the loop. True when the run stopped. */
  private async endIteration(state: RunState, frame: LoopFrame): Promise<boolean> {
    const located = state.located(frame.stepId) as LocatedStep;
    const step = located.step as Extract<StepDefinition, { type: 'loop' }>;
    const context = this.contextFor(state);
    try {
      const how = advanceLoop(step, frame, context);
      if (how === 'continue')
        return this.commitOrFail(state, located, { currentStep: step.do[0].id });
      state.frames.pop();
      const { next } = leaveLoop(step, frame, how, state.ctx);
      return this.applyOutcome(
        state,
        located,
        { kind: 'continue', result: frame.results, next },
        0,
      );
    } catch (error) {
      if (isStoreFailure(error)) throw error;
      return this.handleFailure(state, located, error, 0);
    }
  }

  /**
   * A step failed: continue at its `on_error`, or at that of the innermost enclosing loop that has
   * one; otherwise the execution fails. True when the run stopped.
   */
  private async handleFailure(
    state: RunState,
    located: LocatedStep,
    error: unknown,
    durationMs: number,
  ): Promise<boolean> {
    let current = located;
    delete state.runtime.retry;
    this.record(state, current.step.id, current.step.type, { action: 'failed', error, durationMs });
    for (;;) {
      if (current.step.on_error !== undefined) {
        state.ctx['_last_error'] = lastError(current.step.id, error);
        return this.commitOrFail(state, current, { currentStep: current.step.on_error });
      }
      const frame = state.topLoop();
      if (!frame || current.owner?.id !== frame.stepId) break;
      state.frames.pop();
      current = state.located(frame.stepId) as LocatedStep;
      this.record(state, current.step.id, current.step.type, {
        action: 'failed',
        error,
        durationMs: 0,
      });
    }
    const failure =
      error instanceof WorkflowTimeoutError
        ? error
        : new StepFailedError(
            located.step.id,
            error instanceof Error ? error.message : String(error),
            { cause: error },
          );
    await this.fail(state, failure, true);
    return true;
  }

  private async complete(state: RunState, result: unknown): Promise<Execution> {
    state.runtime.frames = [];
    await this.commitOrFail(state, null, {
      status: 'completed',
      result: result ?? null,
      currentStep: null,
      haltData: null,
      recoverTo: null,
    });
    await this.settleParent(state.saved);
    return state.saved;
  }

  private async fail(state: RunState, error: Error, alreadyRecorded = false): Promise<Execution> {
    if (!alreadyRecorded && state.saved.currentStep && state.saved.currentStep !== FINISHED) {
      const located = state.located(state.saved.currentStep);
      this.record(state, state.saved.currentStep, located?.step.type ?? 'unknown', {
        action: 'failed',
        error,
      });
    }
    state.runtime.frames = [];
    await this.commit(state, { status: 'failed', error: error.message, haltData: null });
    await this.settleParent(state.saved);
    return state.saved;
  }

  /**
   * Checkpoints; when the working state cannot be stored as JSON (a service returned a class
   * instance, say) the step fails instead, with the last stored context. True when the run stopped.
   */
  private async commitOrFail(
    state: RunState,
    located: LocatedStep | null,
    changes: Partial<Execution>,
  ): Promise<boolean> {
    try {
      await this.commit(state, changes);
      return state.saved.status !== 'running';
    } catch (error) {
      if (!(error instanceof UnserializableValueError)) throw error;
      await this.rollback(state);
      const stepId = located?.step.id ?? state.saved.currentStep ?? 'end';
      this.record(state, stepId, located?.step.type ?? 'end', { action: 'failed', error });
      await this.fail(state, new StepFailedError(stepId, error.message, { cause: error }), true);
      return true;
    }
  }

  /** Forgets working changes that could not be saved, going back to the stored execution. */
  private async rollback(state: RunState): Promise<void> {
    const stored = await this.mustLoad(state.saved.id);
    state.saved = stored;
    state.ctx = stored.ctx;
    state.runtime = stored.runtime ?? { frames: [], response: null, approved: null };
    state.pending.length = 0;
  }

  private async commit(state: RunState, changes: Partial<Execution>): Promise<void> {
    // Takeovers are counted per step: moving on means the step in flight survived.
    if (changes.currentStep !== undefined && changes.currentStep !== state.saved.currentStep)
      delete state.runtime.recoveries;
    // Every new halt data is a new halt, which jobs answering the last one must not answer.
    if (changes.haltData) state.runtime.halts = (state.runtime.halts ?? 0) + 1;
    const execution = state.next(changes);
    const entries = state.pending.splice(0);
    const store = this.store as Partial<DurableWorkflowStore> & WorkflowStore;
    const lease = state.options.lease;
    const releasing =
      lease !== undefined && lease.executionId === execution.id && execution.status !== 'running';
    let saved: Execution;
    try {
      if (typeof store.checkpoint === 'function') {
        saved = await store.checkpoint(
          execution,
          entries,
          releasing ? { releaseLeaseOf: lease.owner } : undefined,
        );
        if (releasing) lease.released();
      } else {
        // A store with only the seed's methods: entries after the save, not atomically.
        saved = await store.save(execution);
        for (const entry of entries) await store.record(entry);
      }
    } catch (error) {
      state.pending.unshift(...entries);
      throw error;
    }
    // The working ctx and runtime stay the objects step handlers hold; they now equal what was saved.
    state.saved = saved;
    for (const entry of entries) this.emit({ type: 'entry', execution: saved, entry });
    this.emit({ type: 'execution', execution: saved });
  }

  private record(
    state: RunState,
    stepId: string,
    stepType: string,
    draft: EntryDraft,
    at = this.now(),
  ): void {
    state.pending.push({
      id: randomUUID(),
      executionId: state.saved.id,
      stepId: state.entryName(stepId),
      stepType,
      action: draft.action,
      durationMs:
        draft.durationMs === undefined || draft.durationMs === null
          ? null
          : Math.round(draft.durationMs),
      input: draft.input ?? null,
      output: draft.output ?? null,
      error: draft.error === undefined ? null : serializeError(draft.error),
      timestamp: at,
    });
  }

  private contextFor(
    state: RunState,
    branch?: { ctx: Record<string, unknown>; recorded: RecordedDraft[] },
  ): StepContext {
    const ctx = branch?.ctx ?? state.ctx;
    const scope: ReferenceScope = {
      input: state.saved.input,
      ctx,
      now: () => this.now().toISOString(),
      response: state.runtime.response,
      approved: state.runtime.approved,
    };
    const context: StepContext = {
      definition: state.definition,
      execution: state.saved,
      ctx,
      scope,
      services: this.services,
      children: { runChild: (parent, step, input) => this.runChild(state, parent, step, input) },
      resolve: (value) => resolveValue(value, scope),
      evaluate: (condition) => evaluateCondition(condition, scope),
      record: (stepId, stepType, draft) => {
        if (branch) branch.recorded.push({ stepId, stepType, draft, at: this.now() });
        else this.record(state, stepId, stepType, draft);
      },
      persist: async () => {
        if (!branch) await this.commit(state, {});
      },
      now: this.now,
      remainingMs: () => this.remainingMs(state),
      sleep: this.sleep,
      mayDefer: (ms) =>
        !branch &&
        state.options.deferRetriesFromMs !== undefined &&
        ms >= state.options.deferRetriesFromMs,
      parkedRetry: (stepId) => {
        const parked = state.runtime.retry;
        return !branch && parked?.stepId === stepId
          ? { attempt: parked.attempt, at: parked.at }
          : null;
      },
      runBranch: async (steps, branchCtx) => {
        const recorded: RecordedDraft[] = [];
        const inner = this.contextFor(state, { ctx: branchCtx, recorded });
        const result = await runSequenceInMemory(steps, state, inner);
        return { ctx: branchCtx, result, recorded };
      },
      adopt: (outcome) => {
        for (const r of outcome.recorded) {
          if (branch) branch.recorded.push(r);
          else this.record(state, r.stepId, r.stepType, r.draft, r.at);
        }
      },
    };
    return context;
  }

  private async runChild(
    state: RunState,
    parent: Execution,
    step: Extract<StepDefinition, { type: 'workflow' }>,
    input: Record<string, unknown>,
  ): Promise<Execution> {
    const path = [
      ...state.frames.map((f) => (f.type === 'loop' ? `${f.stepId}[${f.index}]` : f.stepId)),
      step.id,
    ].join('/');
    const id = childExecutionId(parent.id, path);
    const existing = await this.store.load(id);
    if (existing)
      return isFinished(existing.status) || existing.status === 'halted'
        ? existing
        : this.drive(id);
    return this.runNew(this.registry.get(step.workflow_id), input, id, {
      executionId: parent.id,
      stepId: step.id,
    });
  }

  private async resumeChild(
    state: RunState,
    step: Extract<StepDefinition, { type: 'workflow' }>,
    act: (childId: string) => Promise<Execution>,
  ): Promise<StepOutcome> {
    const childId = state.saved.haltData?.['child_execution_id'];
    if (typeof childId !== 'string') throw new Error('the halt data names no child execution');
    // The parent is carried on here, so the child must not also wake it when it finishes.
    this.childrenDrivenByParent.add(childId);
    try {
      const child = await act(childId);
      return childOutcome(step, child, state.ctx);
    } finally {
      this.childrenDrivenByParent.delete(childId);
    }
  }

  /**
   * Leaves a halt: `decide` says where to go (or halts again, for a child still halted). The first
   * checkpoint is conditional on the revision, so of concurrent resumes exactly one goes on.
   */
  private async continueHalted(
    state: RunState,
    located: LocatedStep,
    decide: () => Promise<StepOutcome>,
    quietIfUnchanged = false,
  ): Promise<Execution> {
    let outcome: StepOutcome;
    try {
      outcome = await decide();
    } catch (error) {
      if (isStoreFailure(error)) throw error;
      state.saved = { ...state.saved, status: 'running' };
      await this.handleFailure(state, located, error, 0);
      return state.saved.status === 'running' ? this.advance(state) : state.saved;
    }
    if (outcome.kind === 'halt') {
      if (
        quietIfUnchanged &&
        JSON.stringify(outcome.haltData) === JSON.stringify(state.saved.haltData)
      )
        return state.saved;
      await this.commit(state, { haltData: outcome.haltData });
      return state.saved;
    }
    const frame = state.topLoop();
    const result = outcome.kind === 'continue' || outcome.kind === 'finish' ? outcome.result : null;
    if (frame && located.owner?.id === frame.stepId) frame.last = result;
    this.record(state, located.step.id, located.step.type, { action: 'completed', output: result });
    const next =
      outcome.kind === 'continue'
        ? outcome.next !== undefined
          ? outcome.next
          : state.successor(located)
        : FINISHED;
    try {
      await this.commit(state, {
        status: 'running',
        haltData: null,
        recoverTo: null,
        currentStep: next,
      });
      state.options.onAccepted?.(state.saved);
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      const current = await this.mustLoad(state.saved.id);
      throw new ExecutionStateError(
        state.saved.id,
        current.status === 'halted' ? 'being resumed' : current.status,
        'resume',
        ['halted'],
      );
    }
    return this.advance(state);
  }

  /** A child that finished on its own (a timer, a direct resume) lets its halted parent go on. */
  private async settleParent(child: Execution): Promise<void> {
    const parentRef = child.runtime?.parent;
    if (!parentRef || this.childrenDrivenByParent.has(child.id)) return;
    const parent = await this.store.load(parentRef.executionId);
    if (
      !parent ||
      parent.status !== 'halted' ||
      parent.haltData?.['child_execution_id'] !== child.id
    )
      return;
    const state = new RunState(parent, this.definitionOf(parent));
    const located = this.haltedStep(state.saved, state.definition);
    if (located.step.type !== 'workflow') return;
    const step = located.step;
    await this.continueHalted(state, located, async () =>
      childOutcome(step, child, state.ctx),
    ).catch((error: unknown) => {
      if (!(error instanceof ExecutionStateError)) throw error;
    });
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

  private remainingMs(state: RunState): number | null {
    const timeout = state.definition.timeout;
    if (timeout === undefined) return null;
    return state.saved.createdAt.getTime() + timeout * 1000 - this.now().getTime();
  }

  private definitionOf(execution: Execution) {
    return this.registry.get(execution.workflowId, execution.workflowVersion);
  }

  private async mustLoad(executionId: string): Promise<Execution> {
    const execution = await this.store.load(executionId);
    if (!execution) throw new ExecutionNotFoundError(executionId);
    return execution;
  }

  private emit(event: EngineEvent): void {
    this.onEvent?.(event);
  }
}

function isStoreFailure(error: unknown): boolean {
  return error instanceof StoreError || error instanceof ExecutionNotFoundError;
}
