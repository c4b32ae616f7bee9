import { WorkflowValidationError } from '../../src';

/** The problems a validation lists when `load` refuses what it was given; [] when it accepts. */
export function validationProblems(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof WorkflowValidationError) return [...error.problems];
    throw error;
  }
  return [];
}
