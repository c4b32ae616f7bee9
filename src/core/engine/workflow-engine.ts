import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { ConcurrentUpdateError } from '../store/store-errors';
import type { DurableWorkflowStore, WorkflowStore } from '../store/workflow-store';
import type { WorkflowDefinition } from '../definition/definition-types';
import {
  ExecutionNotFoundError,
  ExecutionStateError,
  RecoveryLimitError,
  StoreCapabilityError,
} from '../errors';
import { storeCan } from '../store/store-capabilities';
import { eventWaitIndexOf } from '../events/event-keys';
import type { WorkflowRegistry } from '../registry';
import { ServiceRegistry, type ServiceResolver } from '../services';
import { CustomStepTypes, type StepTypeResolver } from '../custom-step-types';
import { isFinished, type Execution, type ExecutionRuntime, type ResumePayload } from '../types';
import { Checkpointer, type EngineEvent } from './checkpointer';
import { StepContextFactory } from './context-factory';
import { ExecutionTrack } from './execution-track';
import { Halts } from './halts';
import { parkedAnswerOf, unparked, withParkedAnswer, type ParkedAnswer } from './parking';
import { validateInputs } from './inputs';
import { normalizeExecutionId } from '../execution-id';
import { childExecutionId, childPath } from './child-ids';
import { RunState, type RunOptions } from './run-state';
import { StepLoop } from './step-loop';
import { Retries } from './retries';
import { Forks, sameFork } from './forks';
import { noTelemetry, type RunKind, type WorkflowTelemetry } from '../telemetry';

export type { EngineEvent } from './checkpointer';
export type { ResumePayload } from '../types';

export interface WorkflowEngineOptions {
  store: WorkflowStore | DurableWorkflowStore;
  registry: WorkflowRegistry;
  /** Services `call` steps may reach. @defaultValue none */
  services?: ServiceResolver;
  /**
   * The custom step types steps may use: the same ones the registry loaded the workflows with.
   * @defaultValue none
   */
  stepTypes?: StepTypeResolver;
  /** @defaultValue () => new Date() */
  now?: () => Date;
  /** How retry back-off waits. @defaultValue a timer */
  sleep?: (ms: number) => Promise<void>;
  /** Told of every entry recorded and every execution saved, for live views. */
  onEvent?: (event: EngineEvent) => void;
  /** Where spans and metrics go (`createOpenTelemetry()` for OpenTelemetry). @defaultValue none */
  telemetry?: WorkflowTelemetry;
}

export interface ForkOptions {
  /** The step the fork runs on from; the steps the execution completed before it are reused. */
  fromStep: string;
  /**
   * The fork's own id; makes fork idempotent as `executionId` makes start: the same fork asked
   * again (same execution, same `fromStep`) is returned as it is, and any other execution with this
   * id is refused with `ForkRefusedError`. @defaultValue a new UUID
   */
  executionId?: string;
}

export interface CancelOptions {
  /**
   * Carries a halted parent on in this call when the cancelled execution is its child (its step's
   * `on_error`, or the parent fails). @defaultValue true
   */
  settleParent?: boolean;
}

export interface StartOptions {
  /** Makes start idempotent: an existing execution with this id is returned as it is. */
  executionId?: string;
  /** The schedule tick that starts it, kept in its runtime (`scheduledFor`). */
  scheduledFor?: Date;
}

/** An execution by id, or as the caller just loaded or claimed it (which saves a read). */
export type ExecutionRef = string | Execution;

/**
 * Runs workflow definitions step by step, checkpointing after every step: after a crash the state
 * is that after the last completed step. Knows nothing of queues or timers: a runner calls `drive`
 * for recovery and `fireTimer` when `halt_data.resume_at` / `expires_at` comes.
 *
 * The parts: `StepLoop` runs steps, `Checkpointer` writes them, `StepContextFactory` builds what a
 * step sees, `Halts` leaves halts; each step type's handler (core/steps) owns what the type does.
 */
export class WorkflowEngine {
  private readonly store: WorkflowStore | DurableWorkflowStore;
  private readonly registry: WorkflowRegistry;
  private readonly now: () => Date;
  private readonly checkpointer: Checkpointer;
  private readonly loop: StepLoop;
  private readonly halts: Halts;
  private readonly retries: Retries;
  private readonly forks: Forks;
  private readonly emit: (event: EngineEvent) => void;
  private lastCreatedAt = 0;
  private readonly telemetry: WorkflowTelemetry;

  constructor(options: WorkflowEngineOptions) {
    this.store = options.store;
    this.registry = options.registry;
    this.now = options.now ?? (() => new Date());
    const telemetry = (this.telemetry = options.telemetry ?? noTelemetry);
    this.emit = (event) => {
      // Saved finished once per run that ends it (a retry may end it again, and counts again).
      const { execution } = event;
      if (event.type === 'execution' && isFinished(execution.status))
        telemetry.executionEnded(execution.workflowId, execution.status);
      options.onEvent?.(event);
    };
    this.checkpointer = new Checkpointer({
      store: this.store,
      now: this.now,
      emit: this.emit,
      onFinished: (execution) => this.halts.settleParent(execution),
    });
    const contexts = new StepContextFactory({
      services: options.services ?? new ServiceRegistry(),
      stepTypes: options.stepTypes ?? new CustomStepTypes(),
      now: this.now,
      sleep: options.sleep ?? ((ms) => delay(ms).then(() => undefined)),
      runChild: (state, parent, step, input) => this.halts.runChild(state, parent, step, input),
      cancelChild: (state, parent, step) => this.halts.cancelChild(state, parent, step),
      runBranch: (state, steps, ctx) => this.loop.runBranch(state, steps, ctx),
      events: (name, since, limit) => {
        const { store } = this;
        if (!storeCan(store, 'retainedEvents'))
          throw new StoreCapabilityError('An event step with "lookback"', ['retainedEvents']);
        return store.retainedEvents(name, since, limit);
      },
    });
    this.loop = new StepLoop(contexts, this.now, telemetry);
    this.halts = new Halts({
      store: this.store,
      checkpointer: this.checkpointer,
      loop: this.loop,
      now: this.now,
      definitionOf: (execution) => this.definitionOf(execution),
      drive: (id) => this.drive(id),
      resume: (id, payload) => this.resume(id, payload),
      fireTimer: (id) => this.fireTimer(id),
      // The parent cancels its own child (a sub-workflow past its timeout) and carries itself on.
      cancel: (id) => this.cancel(id, { settleParent: false }),
      startChild: (workflowId, input, id, parent) =>
        this.runNew(this.registry.get(workflowId), input, id, parent),
    });
    const definitionOf = (execution: Execution) => this.definitionOf(execution);
    this.retries = new Retries({ store: this.store, now: this.now, emit: this.emit, definitionOf });
    this.forks = new Forks({
      store: this.store,
      checkpointer: this.checkpointer,
      loop: this.loop,
      now: this.now,
      emit: this.emit,
      definitionOf,
      newExecution: (definition, input, executionId) =>
        this.newExecution(definition, input, executionId),
    });
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
    const executionId = startId(options);
    if (executionId !== undefined) {
      const existing = await this.store.load(executionId);
      if (existing) return existing;
    }
    return this.runNew(this.registry.get(workflowId), input, executionId);
  }

  /** Saves a `pending` execution without running it; an existing `executionId` is returned as is. */
  async create(
    workflowId: string,
    input?: Record<string, unknown>,
    options: StartOptions = {},
  ): Promise<{ execution: Execution; created: boolean }> {
    const executionId = startId(options);
    if (executionId !== undefined) {
      const existing = await this.store.load(executionId);
      if (existing) return { execution: existing, created: false };
    }
    const execution = this.newExecution(this.registry.get(workflowId), input, executionId);
    if (options.scheduledFor && execution.runtime)
      execution.runtime.scheduledFor = options.scheduledFor.toISOString();
    try {
      const saved = await this.store.save(execution);
      this.telemetry.executionStarted(saved.workflowId);
      this.emit({ type: 'execution', execution: saved });
      return { execution: saved, created: true };
    } catch (error) {
      // Two starters with one id: the other one's execution is the one.
      if (!(error instanceof ConcurrentUpdateError) || executionId === undefined) throw error;
      const existing = await this.store.load(executionId);
      if (!existing) throw error;
      return { execution: existing, created: false };
    }
  }

  /**
   * Drives a `pending` or `running` execution from its last checkpoint (a new one, or one whose
   * worker died). The step that was in flight runs again. Others are returned unchanged.
   */
  async drive(execution: ExecutionRef, options: RunOptions = {}): Promise<Execution> {
    const current = await this.loaded(execution);
    if (current.status !== 'pending' && current.status !== 'running') return current;
    const parked = parkedAnswerOf(current);
    if (parked) return this.applyParked(current, parked, options);
    // A pending execution becomes running with its first checkpoint, not a write of its own.
    const state = new RunState(
      { ...current, status: 'running' },
      this.definitionOf(current),
      options,
    );
    return this.traced('drive', current, options, async () => {
      // Parallel branches call services in memory, before the step's checkpoint: a lease still to
      // be taken is taken first, so no worker acts on an execution it does not hold.
      const first = current.currentStep === null ? undefined : state.located(current.currentStep);
      if (state.leaseToClaim && first?.step.type === 'parallel')
        await this.checkpointer.commit(state, {});
      return this.advance(state);
    });
  }

  /**
   * Refuses a resume that can't be accepted: the execution is not halted, or an approval is
   * answered without `approved`. Runners call it before handing a resume to a queue.
   */
  checkResume(execution: Execution, payload: ResumePayload): void {
    this.halts.checkResume(execution, payload);
  }

  /** Answers a halted execution and runs it until the next halt or the end. */
  async resume(
    execution: ExecutionRef,
    payload: ResumePayload = {},
    options: RunOptions = {},
  ): Promise<Execution> {
    const current = await this.loaded(execution);
    const asked = options.requestedAt ?? Date.now();
    const accepted: RunOptions = {
      ...options,
      onAccepted: (resumed) => {
        this.telemetry.resumeLatency(resumed.workflowId, Date.now() - asked);
        options.onAccepted?.(resumed);
      },
    };
    return this.traced('resume', current, options, () =>
      this.halts.resume(current, payload, accepted),
    );
  }

  /**
   * Parks a resume of a halted execution (or, without `payload`, its due timer) until the execution
   * holds a slot of its workflow's concurrency limit: it is saved `pending`, in line from `since`,
   * conditional on its revision, so of concurrent resumes of one halt one is parked. `drive`
   * applies it once a slot is held.
   */
  async park(execution: Execution, since: Date, payload?: ResumePayload): Promise<Execution> {
    if (payload) this.halts.checkResume(execution, payload);
    else if (execution.status !== 'halted')
      throw new ExecutionStateError(execution.id, execution.status, 'fire-timer', ['halted']);
    try {
      const saved = await this.store.save(withParkedAnswer(execution, since, payload));
      this.emit({ type: 'execution', execution: saved });
      return saved;
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      throw new ExecutionStateError(execution.id, 'already being resumed', 'resume', [
        'halted and not yet resumed',
      ]);
    }
  }

  /**
   * What a runner calls when a halted execution's `resume_at` or `expires_at` has come: a `wait`
   * continues, an expired approval moves to `on_timeout` (or fails). Early or stale calls change
   * nothing.
   */
  async fireTimer(execution: ExecutionRef, options: RunOptions = {}): Promise<Execution> {
    const current = await this.loaded(execution);
    if (current.status !== 'halted') return current;
    return this.traced('timer', current, options, () => this.halts.fireTimer(current, options));
  }

  /**
   * Stops a pending, running or halted execution (and a child it is waiting on). A child cancelled
   * by itself ends its parent's sub-workflow step as a failed child would: the step's `on_error`
   * applies, or the parent fails. With `settleParent: false` the caller carries the parent on itself
   * (a queue hands it to a worker).
   */
  async cancel(executionId: string, options: CancelOptions = {}): Promise<Execution> {
    const cancelled = await this.cancelChain(executionId);
    if (options.settleParent !== false) await this.halts.settleParent(cancelled);
    return cancelled;
  }

  /** Cancels the execution and the chain of children below it; their parents are left as they are. */
  private async cancelChain(executionId: string): Promise<Execution> {
    // A process driving it may checkpoint in between: load again and retry, and that process's next
    // checkpoint is then refused, so it stops.
    for (let attempt = 1; ; attempt++) {
      const execution = await this.loaded(executionId);
      if (isFinished(execution.status)) {
        throw new ExecutionStateError(executionId, execution.status, 'cancel', [
          'pending',
          'running',
          'halted',
        ]);
      }
      const child = this.childOf(execution);
      if (child) {
        // A child that finished meanwhile needs no cancel; the parent's still goes through.
        await this.cancelChain(child).catch((error: unknown) => {
          if (!(error instanceof ExecutionStateError || error instanceof ExecutionNotFoundError))
            throw error;
        });
      }
      try {
        const stopped: Execution = { ...execution, status: 'cancelled', haltData: null };
        // A cancelled execution waits for no event any more: its index entry goes with the write.
        const cancelled =
          eventWaitIndexOf(execution) && storeCan(this.store, 'checkpoint')
            ? await this.store.checkpoint(stopped, [], { eventWait: null })
            : await this.store.save(stopped);
        this.emit({ type: 'execution', execution: cancelled });
        return cancelled;
      } catch (error) {
        if (!(error instanceof ConcurrentUpdateError) || attempt >= 10) throw error;
      }
    }
  }

  /**
   * The child an execution waits on at a sub-workflow step, halted or still running: a cancel
   * reaches the whole chain below it, which would otherwise run on.
   */
  private childOf(execution: Execution): string | null {
    const halted = execution.haltData?.['child_execution_id'];
    if (typeof halted === 'string') return halted;
    const stepId = execution.currentStep;
    if (stepId === null || execution.status !== 'running') return null;
    // A version no longer registered can't say which step it was on; it is cancelled alone.
    if (!this.registry.versions(execution.workflowId).includes(execution.workflowVersion))
      return null;
    const located = this.definitionOf(execution).index.get(stepId);
    if (located?.step.type !== 'workflow') return null;
    return childExecutionId(execution.id, childPath(execution.runtime?.frames ?? [], stepId));
  }

  /**
   * Fails a `pending`, `running` or `halted` execution whose step in flight (or the resume or timer
   * of its halt) keeps killing its worker: what a runner calls once recovery reached its limit.
   * Finished ones are returned unchanged.
   */
  async failRecovery(executionId: string, recoveries: number): Promise<Execution> {
    const execution = await this.loaded(executionId);
    if (isFinished(execution.status)) return execution;
    const state = new RunState({ ...execution, status: 'running' }, this.definitionOf(execution));
    const error = new RecoveryLimitError(executionId, execution.currentStep, recoveries);
    return this.checkpointer.fail(state, error);
  }

  /**
   * Puts a `failed` execution back to `pending` at the step that failed, with the context it had
   * before that step, for a runner to drive. Any other status is refused with
   * `ExecutionStateError`; a sub-workflow's execution (retried through its parent), one past its
   * workflow's timeout or one failed before failure points were recorded, with `RetryRefusedError`.
   */
  async retry(executionId: string): Promise<Execution> {
    return this.retries.reopen(await this.loaded(executionId));
  }

  /**
   * Saves a `pending` fork of an execution in any status: same workflow version and input, at
   * `fromStep`, with the recorded outputs of the steps before it (they are not run again), for a
   * runner to drive. An unknown step, or one the execution never reached, is refused with
   * `ForkRefusedError`; so is an `executionId` taken by anything but this same fork.
   */
  async fork(executionId: string, options: ForkOptions): Promise<Execution> {
    return (await this.createFork(executionId, options)).execution;
  }

  /**
   * As `fork`, and whether this call made it: false when `options.executionId` names the same
   * fork made before, returned as it is (a runner queues only a fork it made).
   */
  async createFork(
    executionId: string,
    { fromStep, executionId: forkId }: ForkOptions,
  ): Promise<{ execution: Execution; created: boolean }> {
    const id = startId({ executionId: forkId });
    const sourceId = normalizeExecutionId(executionId);
    if (id !== undefined) {
      const existing = await this.store.load(id);
      if (existing) return { execution: sameFork(existing, sourceId, fromStep), created: false };
    }
    try {
      const forked = await this.forks.fork(await this.loaded(executionId), fromStep, id);
      this.telemetry.executionStarted(forked.workflowId);
      return { execution: forked, created: true };
    } catch (error) {
      // Two forks asked with one id: the other one's is the fork.
      if (!(error instanceof ConcurrentUpdateError) || id === undefined) throw error;
      const existing = await this.store.load(id);
      if (!existing) throw error;
      return { execution: sameFork(existing, sourceId, fromStep), created: false };
    }
  }

  /**
   * Runs a new execution whose first checkpoint inserts it. When another starter inserted the same
   * id first, that execution is returned and nothing runs here.
   */
  private async runNew(
    definition: WorkflowDefinition,
    input: Record<string, unknown> | undefined,
    executionId: string | undefined,
    parent?: ExecutionRuntime['parent'],
  ): Promise<Execution> {
    const execution = this.newExecution(definition, input, executionId);
    if (parent)
      execution.runtime = {
        frames: [],
        response: null,
        approved: null,
        ...this.traceOfCaller(),
        parent,
      };
    const state = new RunState({ ...execution, status: 'running' }, definition);
    try {
      this.telemetry.executionStarted(definition.id);
      return await this.traced('run', execution, {}, () => this.advance(state));
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || state.saved.revision !== undefined)
        throw error;
      return this.loaded(execution.id);
    }
  }

  private newExecution(
    definition: WorkflowDefinition,
    input: Record<string, unknown> | undefined,
    executionId: string | undefined,
  ): Execution {
    const values = validateInputs(definition, input);
    const now = this.creationTime();
    return {
      id: executionId ?? randomUUID(),
      workflowId: definition.id,
      workflowVersion: definition.version,
      status: 'pending',
      input: values,
      // `input` too, as the original format keeps it readable on the record.
      ctx: { ...values, input: structuredClone(values) },
      currentStep: definition.steps[0].id,
      result: null,
      recoverTo: null,
      haltData: null,
      error: null,
      runtime: { frames: [], response: null, approved: null, ...this.traceOfCaller() },
      createdAt: now,
      updatedAt: now,
    };
  }

  /** The workflows this engine runs, for runners that start executions on their own (schedules). */
  get workflows(): WorkflowRegistry {
    return this.registry;
  }

  /** The engine's time: what schedules tick by, so a test clock moves them too. */
  currentTime(): Date {
    return this.now();
  }

  /**
   * Now, but later than the last execution this engine created: executions started one after the
   * other keep that order by creation time, which concurrency limits queue them by.
   */
  private creationTime(): Date {
    const time = Math.max(this.now().getTime(), this.lastCreatedAt + 1);
    this.lastCreatedAt = time;
    return new Date(time);
  }

  private async advance(state: RunState): Promise<Execution> {
    // Inside the run's span: an execution started outside any trace keeps the one its first run began.
    if (!state.runtime.trace) Object.assign(state.runtime, this.traceOfCaller());
    await this.loop.run(new ExecutionTrack(state, this.checkpointer, this.now));
    return state.saved;
  }

  /** The caller's trace, for a new execution to keep; nothing when there is none. */
  private traceOfCaller(): Pick<ExecutionRuntime, 'trace'> {
    const trace = this.telemetry.capture();
    return trace ? { trace } : {};
  }

  /**
   * Runs `work` as one run of the execution, in the execution's trace (the one its start began);
   * the caller's own context, when it is another trace (a resume's request), is linked.
   */
  private traced(
    kind: RunKind,
    execution: Execution,
    options: RunOptions,
    work: () => Promise<Execution>,
  ): Promise<Execution> {
    const caller = options.caller ?? this.telemetry.capture();
    const parent = execution.runtime?.trace ?? caller;
    return this.telemetry.traceRun({ kind, execution, parent, link: caller }, work);
  }

  private definitionOf(execution: Execution): WorkflowDefinition {
    return this.registry.get(execution.workflowId, execution.workflowVersion);
  }

  /** Applies the answer parked on an execution that now holds its slot, as at its halt. */
  private async applyParked(
    execution: Execution,
    parked: ParkedAnswer,
    options: RunOptions,
  ): Promise<Execution> {
    const halted = unparked(execution);
    const outcome = parked.resume
      ? await this.resume(halted, parked.resume, options)
      : await this.fireTimer(halted, options);
    // Nothing was written (a timer that changed nothing): the halt is stored back as it was.
    return outcome.revision === execution.revision ? this.store.save(outcome) : outcome;
  }

  private async loaded(execution: ExecutionRef): Promise<Execution> {
    if (typeof execution !== 'string') return execution;
    const stored = await this.store.load(normalizeExecutionId(execution));
    if (!stored) throw new ExecutionNotFoundError(execution);
    return stored;
  }
}

/** The id a start asked for, in the form executions keep. */
function startId(options: StartOptions): string | undefined {
  return options.executionId === undefined ? undefined : normalizeExecutionId(options.executionId);
}
