import type { LocatedStep } from '../definition/definition-types';
import type { RuntimeFrame } from '../types';
import type { LoopFrame, RunState } from './run-state';
import type { EntryDraft } from './step-context';
import type { StepTrack } from './step-track';

/**
 * A step loop that runs in memory (a parallel branch, a fork's replay): a move only changes the
 * position, so nothing is checkpointed, deferred, parked or written ahead, and a retry, which would
 * need a checkpoint, is refused as a halt is.
 */
export abstract class InMemoryTrack implements StepTrack {
  abstract readonly state: RunState;
  abstract readonly ctx: Record<string, unknown>;
  abstract readonly frames: RuntimeFrame[];
  private current: string | null;

  constructor(firstStep: string) {
    this.current = firstStep;
  }

  abstract record(stepId: string, stepType: string, draft: EntryDraft, at?: Date): void;
  abstract halt(located: LocatedStep): Promise<boolean>;
  abstract completed(located: LocatedStep, result: unknown, durationMs: number): void;
  abstract end(finish: { result: unknown } | null): Promise<void>;
  abstract failed(located: LocatedStep, error: unknown): Promise<void>;
  abstract abort(error: Error): Promise<void>;
  abstract loopDurationMs(frame: LoopFrame): number;
  /** What entering a loop leaves behind before its body runs. */
  protected abstract loopBegins(located: LocatedStep, frame: LoopFrame): void;

  position(): string | null {
    return this.current;
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

  /** Moves are not checkpoints: a step writes its own `started` entry. */
  recordAhead(): boolean {
    return false;
  }

  /** The workflow's timeout is checked between the steps of the execution's own run. */
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

  enter(located: LocatedStep, frame: LoopFrame, first: string): Promise<boolean> {
    this.loopBegins(located, frame);
    this.frames.push(frame);
    return this.moveTo(located, first);
  }

  retry(located: LocatedStep): Promise<boolean> {
    return this.halt(located);
  }

  clearRetry(): void {}
}
