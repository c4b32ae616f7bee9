import type { ParallelStep } from '../definition/definition-types';
import type { BranchOutcome, StepContext, StepOutcome } from '../engine/step-context';
import type { StepHandler } from './step-handler';

/**
 * Runs the branches concurrently, each on its own copy of the context. Once enough have finished
 * (`wait`: all, any, or a count) their changes are merged into the context in branch order and
 * their results collected; branches that had not finished count as null.
 */
/** A fork replays the branches' own steps, one by one. */
export const parallelStep: StepHandler<ParallelStep> = { run: runParallel, replay: 'compute' };

async function runParallel(step: ParallelStep, context: StepContext): Promise<StepOutcome> {
  if (step.branches.length === 0) {
    if (step.output) context.ctx[step.output] = [];
    return { kind: 'continue', result: [] };
  }
  const needed = step.wait === 'all' ? step.branches.length : step.wait === 'any' ? 1 : step.wait;
  const original = { ...context.ctx };
  const settled: (BranchOutcome | undefined)[] = new Array(step.branches.length).fill(undefined);
  const failures: unknown[] = [];

  await new Promise<void>((resolve, reject) => {
    let succeeded = 0;
    step.branches.forEach((branch, index) => {
      context.runBranch(branch, { ...original }).then(
        (outcome) => {
          if (succeeded >= needed) return;
          settled[index] = outcome;
          if (++succeeded >= needed) resolve();
        },
        (error: unknown) => {
          failures.push(error);
          if (step.branches.length - failures.length < needed) {
            reject(
              failures.length === 1
                ? error
                : new AggregateError(failures, `${failures.length} branches failed`),
            );
          }
        },
      );
    });
  });

  const results = settled.map((outcome) => (outcome ? outcome.result : null));
  settled.forEach((outcome) => {
    if (!outcome) return;
    for (const [key, value] of Object.entries(outcome.ctx)) {
      if (original[key] !== value || !(key in original)) context.ctx[key] = value;
    }
    context.adopt(outcome);
  });
  if (step.output) context.ctx[step.output] = results;
  return { kind: 'continue', result: results };
}
