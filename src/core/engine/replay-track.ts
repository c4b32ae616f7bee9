import type { LocatedStep } from '../definition/definition-types';
import type { RuntimeFrame } from '../types';
import type { Checkpointer } from './checkpointer';
import type { Replay } from './replay';
import type { LoopFrame, RunState } from './run-state';
import type { EntryDraft } from './step-context';
import type { StepTrack } from './step-track';

/**
 * The step loop of a fork on its way to `fromStep`, in memory: steps are replayed (see `Replay`),
 * their entries gathered for the fork's first write, and the run stops as it reaches `fromStep`.
 * Whatever would stop it before (a halt, a failure, the end) means the path differs from the one
 * the execution forked took, and refuses the fork.
 */
export class ReplayTrack implements StepTrack {
  /** Whether the replay reached `fromStep`. */
  reached = false;
  private current: string | null;

  constructor(
    readonly state: RunState,
    private readonly replay: Replay,
    private readonly fromStep: string,
    private readonly checkpointer: Checkpointer,
  ) {
    this.current = state.definition.steps[0].id;
  }

  get ctx(): Record<string, unknown> {
    return this.state.ctx;
  }

  get frames(): RuntimeFrame[] {
    return this.state.frames;
  }

  position(): string | null {
    return this.current;
  }

  stopsBefore(stepId: string): boolean {
    this.reached = stepId === this.fromStep;
    return this.reached;
  }

  record(stepId: string, stepType: string, draft: EntryDraft, at?: Date): void {
    this.checkpointer.record(this.state, stepId, stepType, draft, at);
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

  /** Replayed steps have no `started` entry; `fromStep` writes its own once the fork runs. */
  recordAhead(): boolean {
    return false;
  }

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
    this.record(located.step.id, located.step.type, { action: 'started', durationMs: 0 });
    this.frames.push(frame);
    return this.moveTo(located, first);
  }

  async halt(located: LocatedStep): Promise<boolean> {
    throw this.replay.refused(`step "${located.step.id}" before it would halt again`);
  }

  async retry(located: LocatedStep): Promise<boolean> {
    return this.halt(located);
  }

  completed(located: LocatedStep, result: unknown): void {
    const { step } = located;
    this.record(step.id, step.type, { action: 'completed', output: result, durationMs: 0 });
  }

  async end(): Promise<void> {
    throw this.replay.refused('the execution forked ended before it on the replayed path');
  }

  async failed(located: LocatedStep, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    throw this.replay.refused(`step "${located.step.id}" before it fails again: ${message}`);
  }

  async abort(error: Error): Promise<void> {
    throw this.replay.refused(error.message);
  }

  clearRetry(): void {}

  loopDurationMs(): number {
    return 0;
  }
}
