import type { HaltStep } from '../definition/definition-types';
import { replayAnswer, type StepHandler } from './step-handler';

/** Halts until a resume, which continues at `resume_step` (or the next step). */
export const haltStep: StepHandler<HaltStep> = {
  run: async (step, context) => {
    const data = step.data ? (context.resolve(step.data) as Record<string, unknown>) : {};
    return {
      kind: 'halt',
      haltData: {
        // Without a reason, the original format's.
        reason: context.resolve(step.reason ?? null) ?? 'Halted',
        halted_at: context.now().toISOString(),
        ...data,
      },
      recoverTo: step.resume_step,
    };
  },
  replay: (step, output, context) => {
    replayAnswer(output, context);
    return { kind: 'continue', result: output, next: step.resume_step };
  },
};
