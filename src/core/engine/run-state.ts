import type { LocatedStep, WorkflowDefinition } from '../definition/definition-types';
import { defaultNext } from '../definition/step-graph';
import type { Entry, Execution, ExecutionRuntime, RuntimeFrame } from '../types';
import type { LoopFrame } from './loop-iteration';

/**
 * One execution being driven: the copy last saved, and the working state the next checkpoint will
 * save (context, position, loop frames, last resume payload).
 */
export class RunState {
  ctx: Record<string, unknown>;
  runtime: ExecutionRuntime;
  /** Entries recorded since the last checkpoint; the next one saves them. */
  readonly pending: Entry[] = [];

  constructor(
    public saved: Execution,
    readonly definition: WorkflowDefinition,
  ) {
    this.ctx = structuredClone(saved.ctx);
    this.runtime = structuredClone(saved.runtime ?? { frames: [], response: null, approved: null });
  }

  get frames(): RuntimeFrame[] {
    return this.runtime.frames;
  }

  /** The innermost loop being iterated, if any. */
  topLoop(): LoopFrame | undefined {
    const top = this.frames[this.frames.length - 1];
    return top?.type === 'loop' ? top : undefined;
  }

  /** The step a step continues with when its outcome names none. */
  successor(located: LocatedStep): string | null {
    const { step } = located;
    if (step.type !== 'router' && step.type !== 'end' && step.next !== undefined) return step.next;
    return defaultNext(located.sequence, located.position, located.owner !== null);
  }

  located(stepId: string): LocatedStep | undefined {
    return this.definition.index.get(stepId);
  }

  /** The name entries use: `loopId:stepId` inside a body. */
  entryName(stepId: string): string {
    const owner = this.definition.index.get(stepId)?.owner;
    return owner ? `${owner.id}:${stepId}` : stepId;
  }

  /** The execution as the next checkpoint will save it, with `changes` applied. */
  next(changes: Partial<Execution>): Execution {
    return { ...this.saved, ctx: this.ctx, runtime: this.runtime, ...changes };
  }
}
