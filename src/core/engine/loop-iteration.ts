import type { LoopStep } from '../definition/definition-types';
import type { RuntimeFrame } from '../types';
import type { StepContext } from './step-context';

export type LoopFrame = RuntimeFrame & { type: 'loop' };

export class LoopExhaustedError extends Error {
  constructor(stepId: string, max: number) {
    super(`loop "${stepId}" reached its maximum of ${max} iterations and has no on_exhausted step`);
    this.name = 'LoopExhaustedError';
  }
}

/** A new frame positioned on the first iteration, or null when the loop has nothing to do. */
export function beginLoop(step: LoopStep, context: StepContext): LoopFrame | null {
  let items: unknown[] | null = null;
  if (step.over !== undefined) {
    const resolved = context.resolve(step.over);
    if (!Array.isArray(resolved)) {
      throw new Error(
        `"over" resolved to ${JSON.stringify(resolved) ?? 'nothing'}, which is not a list`,
      );
    }
    if (resolved.length === 0) return null;
    items = resolved;
  } else if (!context.evaluate(step.while!)) {
    return null;
  }
  const frame: LoopFrame = {
    type: 'loop',
    stepId: step.id,
    items,
    index: 0,
    results: [],
    last: null,
  };
  setIterationVariables(step, frame, context.ctx);
  return frame;
}

/** Collects the iteration's result and moves to the next one; says what comes next. */
export function advanceLoop(
  step: LoopStep,
  frame: LoopFrame,
  context: StepContext,
): 'continue' | 'done' | 'exhausted' {
  frame.results.push(frame.last ?? null);
  frame.last = null;
  frame.index++;
  const more = frame.items ? frame.index < frame.items.length : context.evaluate(step.while!);
  if (!more) return 'done';
  if (frame.index >= step.max) return 'exhausted';
  setIterationVariables(step, frame, context.ctx);
  return 'continue';
}

/** Writes the collected results and says where to go: null for the loop's own successor. */
export function leaveLoop(
  step: LoopStep,
  frame: LoopFrame,
  how: 'done' | 'exhausted',
  ctx: Record<string, unknown>,
): { next: string | undefined } {
  if (how === 'exhausted' && step.on_exhausted === undefined)
    throw new LoopExhaustedError(step.id, step.max);
  if (step.output) ctx[step.output] = frame.results;
  return { next: how === 'exhausted' ? step.on_exhausted : undefined };
}

function setIterationVariables(
  step: LoopStep,
  frame: LoopFrame,
  ctx: Record<string, unknown>,
): void {
  if (frame.items) ctx[step.as] = frame.items[frame.index];
  ctx[step.index_as] = frame.index;
  ctx['iteration'] = frame.index + 1;
}
