import { FINISHED, type LoopStep, type StepDefinition } from '../definition/definition-types';
import { advanceLoop, leaveLoop } from './loop-iteration';
import type { RunState } from './run-state';
import type { StepContext, StepOutcome } from './step-context';
import { runStep } from './step-handlers';

/**
 * Runs a sequence of a parallel branch in memory: branches never halt, and a crash re-runs the whole
 * parallel step, so nothing here is checkpointed. Loops inside a branch iterate here too.
 */
export async function runSequenceInMemory(
  steps: StepDefinition[],
  state: RunState,
  context: StepContext,
): Promise<unknown> {
  let position: string | null = steps[0].id;
  let last: unknown = null;
  while (position !== null && position !== FINISHED) {
    const located = state.located(position);
    if (!located) throw new Error(`step "${position}" does not exist`);
    const { step } = located;
    const began = Date.now();
    let outcome: StepOutcome;
    try {
      outcome = await runStep(step, context);
      if (outcome.kind === 'enter') {
        outcome = await iterateInMemory(step as LoopStep, outcome.frame, state, context);
      }
    } catch (error) {
      context.record(step.id, step.type, {
        action: 'failed',
        error,
        durationMs: Date.now() - began,
      });
      if (step.on_error === undefined) throw error;
      context.ctx['_last_error'] = lastError(step.id, error);
      position = step.on_error;
      continue;
    }
    if (outcome.kind === 'halt' || outcome.kind === 'enter' || outcome.kind === 'retry') {
      throw new Error(`step "${step.id}" cannot halt inside a parallel branch`);
    }
    context.record(step.id, step.type, {
      action: 'completed',
      output: outcome.result,
      durationMs: Date.now() - began,
    });
    last = outcome.result;
    if (outcome.kind === 'finish') break;
    position = outcome.next !== undefined ? outcome.next : state.successor(located);
  }
  return last;
}

async function iterateInMemory(
  step: LoopStep,
  frame: Parameters<typeof advanceLoop>[1],
  state: RunState,
  context: StepContext,
): Promise<StepOutcome> {
  for (;;) {
    frame.last = await runSequenceInMemory(step.do, state, context);
    const how = advanceLoop(step, frame, context);
    if (how === 'continue') continue;
    const { next } = leaveLoop(step, frame, how, context.ctx);
    return { kind: 'continue', result: frame.results, next };
  }
}

export function lastError(stepId: string, error: unknown): Record<string, unknown> {
  return {
    step: stepId,
    message: error instanceof Error ? error.message : String(error),
    name: error instanceof Error ? error.name : 'Error',
  };
}
