import type { LocatedStep } from '../definition/definition-types';
import type { RuntimeFrame } from '../types';
import type { Checkpointer } from './checkpointer';
import { InMemoryTrack } from './in-memory-track';
import type { Replay } from './replay';
import type { RunState } from './run-state';
import type { EntryDraft } from './step-context';

/**
 * The step loop of a fork on its way to `fromStep`, in memory: steps are replayed (see `Replay`),
 * their entries gathered for the fork's first write, and the run stops as it reaches `fromStep`.
 * Whatever would stop it before (a halt, a failure, the end) means the path differs from the one
 * the execution forked took, and refuses the fork. Replayed steps have no `started` entry;
 * `fromStep` writes its own once the fork runs.
 */
export class ReplayTrack extends InMemoryTrack {
  /** Whether the replay reached `fromStep`. */
  reached = false;

  constructor(
    readonly state: RunState,
    private readonly replay: Replay,
    private readonly fromStep: string,
    private readonly checkpointer: Checkpointer,
  ) {
    super(state.definition.steps[0].id);
  }

  get ctx(): Record<string, unknown> {
    return this.state.ctx;
  }

  get frames(): RuntimeFrame[] {
    return this.state.frames;
  }

  stopsBefore(stepId: string): boolean {
    this.reached = stepId === this.fromStep;
    return this.reached;
  }

  record(stepId: string, stepType: string, draft: EntryDraft, at?: Date): void {
    this.checkpointer.record(this.state, stepId, stepType, draft, at);
  }

  protected loopBegins(located: LocatedStep): void {
    this.record(located.step.id, located.step.type, { action: 'started', durationMs: 0 });
  }

  async halt(located: LocatedStep): Promise<boolean> {
    throw this.replay.refused(`step "${located.step.id}" before it would halt again`);
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

  loopDurationMs(): number {
    return 0;
  }
}
