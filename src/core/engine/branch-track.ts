import {
  stepTypeName,
  type LocatedStep,
  type StepDefinition,
} from '../definition/definition-types';
import { StepError } from '../errors';
import type { RuntimeFrame } from '../types';
import { InMemoryTrack } from './in-memory-track';
import type { LoopFrame, RunState } from './run-state';
import type { EntryDraft, RecordedDraft } from './step-context';

/**
 * The step loop on a parallel branch: in memory only, as branches never halt and a crash re-runs
 * the whole parallel step. Its trail is handed to the parallel step, which adopts it.
 */
export class BranchTrack extends InMemoryTrack {
  readonly frames: RuntimeFrame[] = [];
  readonly recorded: RecordedDraft[] = [];
  /** The result of the step that completed last: the branch's result. */
  result: unknown = null;
  private readonly loopsBegan = new WeakMap<LoopFrame, number>();

  constructor(
    readonly state: RunState,
    steps: StepDefinition[],
    readonly ctx: Record<string, unknown>,
    private readonly now: () => Date,
  ) {
    super(steps[0].id);
  }

  record(stepId: string, stepType: string, draft: EntryDraft, at?: Date): void {
    this.recorded.push({ stepId, stepType, draft, at: at ?? this.now() });
  }

  protected loopBegins(_located: LocatedStep, frame: LoopFrame): void {
    if (!this.loopsBegan.has(frame)) this.loopsBegan.set(frame, Date.now());
  }

  halt(located: LocatedStep): Promise<boolean> {
    throw new StepError(`step "${located.step.id}" cannot halt inside a parallel branch`);
  }

  completed(located: LocatedStep, result: unknown, durationMs: number): void {
    const { step } = located;
    this.record(step.id, stepTypeName(step), { action: 'completed', output: result, durationMs });
    this.result = result;
  }

  async end(finish: { result: unknown } | null): Promise<void> {
    if (finish) this.result = finish.result;
    this.endSequence();
  }

  async failed(_located: LocatedStep, error: unknown): Promise<void> {
    throw error;
  }

  async abort(error: Error): Promise<void> {
    throw error;
  }

  loopDurationMs(frame: LoopFrame): number {
    return Date.now() - (this.loopsBegan.get(frame) ?? Date.now());
  }
}
