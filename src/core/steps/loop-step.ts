import type { LoopStep } from '../definition/definition-types';
import type { StepContext } from '../engine/step-context';
import { LoopExhaustedError, StepError } from '../errors';
import type { RuntimeFrame } from '../types';
import type { StepHandler } from './step-handler';
import { ownCopy } from '../engine/own-copy';

type LoopFrame = RuntimeFrame & { type: 'loop' };

/**
 * Iterates its body over `over`'s items or while `while` holds, at most `max` times. The step loop
 * keeps the frame (checkpointed with the execution) and hands it back here when the body ends.
 */
export const loopStep: StepHandler<LoopStep> = {
  /** Enters the body with the first iteration's variables set, or finishes at once with no results. */
  run: async (step, context) => {
    const frame = beginLoop(step, context);
    if (!frame) {
      clearIterationVariables(step, context);
      if (step.output) context.ctx[step.output] = [];
      return { kind: 'continue', result: [] };
    }
    return { kind: 'enter', frame, first: step.do[0].id };
  },
  /** Collects the iteration's result, then starts the next iteration or leaves the loop. */
  endIteration: (step, frame, context) => {
    // A copy: the store keeps results as they were collected, so a later step changing the object
    // in place (through the variable that also holds it) must not change the result in memory only.
    frame.results.push(ownCopy(frame.last ?? null));
    frame.last = null;
    frame.index++;
    // A body step that sets `break_loop` ends a while loop after the iteration.
    const more = frame.items
      ? frame.index < frame.items.length
      : !context.ctx['break_loop'] && context.evaluate(step.while!);
    const exhausted = more && frame.index >= step.max;
    if (more && !exhausted) {
      setIterationVariables(step, frame, context.ctx);
      return { kind: 'enter', frame, first: step.do[0].id };
    }
    if (exhausted && step.on_exhausted === undefined)
      throw new LoopExhaustedError(step.id, step.max);
    clearIterationVariables(step, context);
    if (step.output) context.ctx[step.output] = frame.results;
    return exhausted
      ? { kind: 'continue', result: frame.results, next: step.on_exhausted }
      : { kind: 'continue', result: frame.results };
  },
  /** A fork iterates again, replaying the body's steps one by one. */
  replay: 'compute',
};

/** A new frame positioned on the first iteration, or null when the loop has nothing to do. */
function beginLoop(step: LoopStep, context: StepContext): LoopFrame | null {
  let items: unknown[] | null = null;
  if (step.over !== undefined) {
    const resolved = context.resolve(step.over);
    if (!Array.isArray(resolved)) {
      throw new StepError(
        `"over" resolved to ${JSON.stringify(resolved) ?? 'nothing'}, which is not a list`,
      );
    }
    if (resolved.length === 0) return null;
    // The loop's own copy, written once when it begins: a step changing the list it came from
    // does not change the items in memory only.
    items = ownCopy(resolved);
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

/**
 * The iteration's variables belong to the loop: they are gone after it, except those an enclosing
 * loop iterates with, which its body still reads.
 */
function clearIterationVariables(step: LoopStep, context: StepContext): void {
  const kept = new Set<string>();
  let owner = context.definition.index.get(step.id)?.owner;
  while (owner) {
    if (owner.type === 'loop') kept.add(owner.as).add(owner.index_as).add('iteration');
    owner = context.definition.index.get(owner.id)?.owner;
  }
  const names = [step.index_as, 'iteration', step.over !== undefined ? step.as : 'break_loop'];
  for (const name of names) if (!kept.has(name)) delete context.ctx[name];
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
