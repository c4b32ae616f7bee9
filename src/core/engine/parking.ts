import type { Execution, ExecutionRuntime, ResumePayload } from '../types';

export type ParkedAnswer = NonNullable<ExecutionRuntime['parked']>;

/** The answer parked on a pending execution for the halt it is at, if any. */
export function parkedAnswerOf(execution: Execution): ParkedAnswer | undefined {
  const parked = execution.runtime?.parked;
  return execution.status === 'pending' && parked && parked.halts === haltOf(execution)
    ? parked
    : undefined;
}

/**
 * The halted execution with its answer parked on it: `pending`, waiting for a concurrency slot. A
 * resume accepted for the halt moves into the parked answer, so it is applied once, from there.
 */
export function withParkedAnswer(
  execution: Execution,
  since: Date,
  resume: ResumePayload | undefined,
): Execution {
  const { acceptedResume: _applied, ...runtime } = execution.runtime ?? {
    frames: [],
    response: null,
    approved: null,
  };
  const parked: ParkedAnswer = { halts: haltOf(execution), since: since.toISOString() };
  if (resume) parked.resume = resume;
  return { ...execution, status: 'pending', runtime: { ...runtime, parked } };
}

/** The parked execution as it was at its halt, for the parked answer to be applied to. */
export function unparked(execution: Execution): Execution {
  const { parked: _answer, ...runtime } = execution.runtime ?? {
    frames: [],
    response: null,
    approved: null,
  };
  return { ...execution, status: 'halted', runtime };
}

function haltOf(execution: Execution): number {
  return execution.runtime?.halts ?? 0;
}
