import type { CompiledSchema } from '../definition/definition-types';
import type { StepContext, StepOutcome } from '../engine/step-context';
import { OutputSchemaError } from '../errors';
import type { ReplayContext } from './step-handler';

/** Stores a step's result under `output`, once it conforms to the step's `output.schema`. */
export function storeOutput(
  step: { id: string; output?: string; output_schema?: CompiledSchema },
  result: unknown,
  context: StepContext,
): void {
  const violation = step.output_schema?.check(result ?? null);
  if (violation) throw new OutputSchemaError(step.id, violation.path, violation.message);
  if (!step.output) return;
  context.ctx[step.output] = result;
  context.exposed(step.output);
}

/** A fork passing a step with an output: the output its `completed` entry recorded, stored again. */
export function replayOutput(
  step: { output?: string },
  output: unknown,
  context: ReplayContext,
): StepOutcome {
  if (step.output) context.ctx[step.output] = output;
  return { kind: 'continue', result: output };
}
