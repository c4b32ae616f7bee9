import { stepTypeName, type LocatedStep } from '../definition/definition-types';
import { StepFailedError, WorkflowTimeoutError } from '../errors';
import type { FailurePoint } from '../types';
import type { Checkpointer } from './checkpointer';
import type { LoopFrame, RunState } from './run-state';
import type { EntryDraft, StepOutcome } from './step-context';
import type { StepTrack } from './step-track';

/** The step loop on a stored execution: every move is a checkpoint. */
export class ExecutionTrack implements StepTrack {
  constructor(
    readonly state: RunState,
    private readonly checkpointer: Checkpointer,
    private readonly now: () => Date,
  ) {}

  get ctx(): Record<string, unknown> {
    return this.state.ctx;
  }

  get frames() {
    return this.state.frames;
  }

  position(): string | null {
    const pending = this.state.pendingPosition;
    return pending === undefined ? this.state.saved.currentStep : pending;
  }

  record(stepId: string, stepType: string, draft: EntryDraft, at?: Date): void {
    this.checkpointer.record(this.state, stepId, stepType, draft, at);
  }

  persist(): Promise<void> {
    return this.checkpointer.commit(this.state, {});
  }

  mayDefer(ms: number): boolean {
    const from = this.state.options.deferRetriesFromMs;
    return from !== undefined && ms >= from;
  }

  parkedRetry(stepId: string): { attempt: number; at: string } | null {
    const parked = this.state.runtime.retry;
    return parked?.stepId === stepId ? { attempt: parked.attempt, at: parked.at } : null;
  }

  startWrittenAhead(stepId: string): boolean {
    const ahead = this.state.startAhead === stepId;
    this.state.startAhead = null;
    return ahead;
  }

  recordAhead(stepId: string, stepType: string, draft: EntryDraft): boolean {
    this.record(stepId, stepType, draft);
    this.state.startAhead = stepId;
    return true;
  }

  async outOfTime(): Promise<boolean> {
    const timeout = this.state.definition.timeout;
    if (timeout === undefined || this.state.remainingMs(this.now())! > 0) return false;
    await this.checkpointer.fail(
      this.state,
      new WorkflowTimeoutError(this.state.definition.id, timeout),
    );
    return true;
  }

  moveTo(located: LocatedStep, next: string | null): Promise<boolean> {
    return this.checkpointer.commitOrFail(this.state, located, { currentStep: next });
  }

  endSequence(): void {
    this.state.pendingPosition = null;
  }

  enter(located: LocatedStep, frame: LoopFrame, first: string, durationMs: number) {
    this.record(located.step.id, stepTypeName(located.step), { action: 'started', durationMs });
    this.state.frames.push(frame);
    return this.moveTo(located, first);
  }

  async halt(
    located: LocatedStep,
    outcome: Extract<StepOutcome, { kind: 'halt' }>,
    durationMs: number,
  ): Promise<boolean> {
    const { step } = located;
    this.record(step.id, stepTypeName(step), {
      action: 'halted',
      output: outcome.haltData,
      durationMs,
    });
    const recoverTo =
      outcome.recoverTo !== undefined ? outcome.recoverTo : this.state.successor(located);
    await this.checkpointer.commitOrFail(this.state, located, {
      status: 'halted',
      haltData: outcome.haltData,
      recoverTo,
    });
    return true;
  }

  async retry(
    located: LocatedStep,
    outcome: Extract<StepOutcome, { kind: 'retry' }>,
  ): Promise<boolean> {
    const { attempt, at } = outcome;
    this.state.runtime.retry = { stepId: located.step.id, attempt, at };
    await this.checkpointer.commitOrFail(this.state, located, {});
    return true;
  }

  completed(located: LocatedStep, result: unknown, durationMs: number): void {
    this.record(located.step.id, stepTypeName(located.step), {
      action: 'completed',
      output: result,
      durationMs,
    });
  }

  async end(finish: { result: unknown } | null): Promise<void> {
    // An `end` step's result stays readable in the context, as in the original format.
    if (finish) this.state.ctx['result'] = finish.result;
    await this.checkpointer.complete(this.state, finish ? finish.result : { ...this.state.ctx });
  }

  async failed(located: LocatedStep, error: unknown, at: FailurePoint): Promise<void> {
    this.state.runtime.failure = at;
    const failure =
      error instanceof WorkflowTimeoutError
        ? error
        : new StepFailedError(
            located.step.id,
            error instanceof Error ? error.message : String(error),
            { cause: error },
          );
    await this.checkpointer.fail(this.state, failure, true);
  }

  async abort(error: Error): Promise<void> {
    await this.checkpointer.fail(this.state, error);
  }

  clearRetry(): void {
    delete this.state.runtime.retry;
  }

  /** A loop's own entries on the execution carry no duration: it spans checkpoints and workers. */
  loopDurationMs(): number {
    return 0;
  }
}
