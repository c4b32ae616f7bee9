import {
  stepTypeName,
  type LocatedStep,
  type StepDefinition,
} from '../definition/definition-types';
import { StepError } from '../errors';
import type { RuntimeFrame } from '../types';
import type { LoopFrame, RunState } from './run-state';
import type { EntryDraft, RecordedDraft } from './step-context';
import type { StepTrack } from './step-track';

/**
 * The step loop on a parallel branch: in memory only, as branches never halt and a crash re-runs
 * the whole parallel step. Its trail is handed to the parallel step, which adopts it.
 */
export class BranchTrack implements StepTrack {
  readonly frames: RuntimeFrame[] = [];
  readonly recorded: RecordedDraft[] = [];
  /** The result of the step that completed last: the branch's result. */
  result: unknown = null;
  private current: string | null;
  private readonly loopsBegan = new WeakMap<LoopFrame, number>();

  constructor(
    readonly state: RunState,
    steps: StepDefinition[],
    readonly ctx: Record<string, unknown>,
    private readonly now: () => Date,
  ) {
    this.current = steps[0].id;
  }

  position(): string | null {
    return this.current;
  }

  record(stepId: string, stepType: string, draft: EntryDraft, at?: Date): void {
    this.recorded.push({ stepId, stepType, draft, at: at ?? this.now() });
  }

  async persist(): Promise<void> {}

  mayDefer(): boolean {
    return false;
  }

  parkedRetry(): null {
    return null;
  }

  startWrittenAhead(): boolean {
    return false;
  }

  /** A branch's moves are not checkpoints: a step writes its own `started` entry. */
  recordAhead(): boolean {
    return false;
  }

  /** The workflow's timeout is checked between the steps of the execution, not of a branch. */
  async outOfTime(): Promise<boolean> {
    return false;
  }

  async moveTo(_located: LocatedStep, next: string | null): Promise<boolean> {
    this.current = next;
    return false;
  }

  endSequence(): void {
    this.current = null;
  }

  async enter(located: LocatedStep, frame: LoopFrame, first: string): Promise<boolean> {
    if (!this.loopsBegan.has(frame)) this.loopsBegan.set(frame, Date.now());
    this.frames.push(frame);
    return this.moveTo(located, first);
  }

  halt(located: LocatedStep): Promise<boolean> {
    throw new StepError(`step "${located.step.id}" cannot halt inside a parallel branch`);
  }

  retry(located: LocatedStep): Promise<boolean> {
    return this.halt(located);
  }

  completed(located: LocatedStep, result: unknown, durationMs: number): void {
    const { step } = located;
    this.record(step.id, stepTypeName(step), { action: 'completed', output: result, durationMs });
    this.result = result;
  }

  async end(finish: { result: unknown } | null): Promise<void> {
    if (finish) this.result = finish.result;
    this.current = null;
  }

  async failed(_located: LocatedStep, error: unknown): Promise<void> {
    throw error;
  }

  async abort(error: Error): Promise<void> {
    throw error;
  }

  clearRetry(): void {}

  loopDurationMs(frame: LoopFrame): number {
    return Date.now() - (this.loopsBegan.get(frame) ?? Date.now());
  }
}
