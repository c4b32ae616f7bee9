import { FINISHED, type StepDefinition } from './definition-types';

/** An edge from a step to a step of the same sequence, with what holds along it. */
export interface Edge {
  key: string;
  target: string;
  /** The step succeeded along this edge, so the variables it writes are set. */
  succeeded: boolean;
  /** Taken when the step failed: `_last_error` is set. */
  error?: boolean;
}

/**
 * The step a step continues with when it names none: at the top level the run ends; in a loop body
 * or parallel branch the following step runs, and after the last one the iteration ends.
 */
export function defaultNext(
  sequence: StepDefinition[],
  position: number,
  nested: boolean,
): string | null {
  if (!nested) return null;
  return sequence[position + 1]?.id ?? null;
}

export function edgesOf(step: StepDefinition, fallback: string | null): Edge[] {
  const edges: Edge[] = [];
  const add = (key: string, target: string | undefined, succeeded = true) => {
    if (target !== undefined && target !== FINISHED) edges.push({ key, target, succeeded });
  };
  const next =
    step.type === 'router' || step.type === 'end'
      ? undefined
      : (step.next ?? fallback ?? undefined);
  switch (step.type) {
    case 'router':
      step.routes.forEach((route, index) => add(`routes[${index}].then`, route.then, false));
      add('default', step.default, false);
      break;
    case 'loop':
      add('next', next);
      add('on_exhausted', step.on_exhausted);
      break;
    case 'approval':
      add('next', next);
      add('on_reject', step.on_reject);
      add('on_timeout', step.on_timeout);
      break;
    case 'event':
      add('next', next);
      // A timeout delivers no payload: the output is not set along this edge.
      add('on_timeout', step.on_timeout, false);
      break;
    case 'halt':
      add(step.resume_step ? 'resume_step' : 'next', step.resume_step ?? next);
      break;
    case 'end':
      break;
    default:
      add('next', next);
  }
  if (step.on_error !== undefined)
    edges.push({ key: 'on_error', target: step.on_error, succeeded: false, error: true });
  return edges;
}

/** The context variables a step sets when it succeeds. */
export function variablesSetBy(step: StepDefinition): string[] {
  switch (step.type) {
    case 'assign':
      return Object.keys(step.set);
    case 'call':
    case 'loop':
    case 'parallel':
    case 'transform':
    case 'workflow':
    case 'event':
      return step.output ? [step.output] : [];
    default:
      return [];
  }
}

/** Nested sequences of a step: a loop's body, a parallel step's branches. */
export function childSequences(step: StepDefinition): StepDefinition[][] {
  if (step.type === 'loop') return [step.do];
  if (step.type === 'parallel') return step.branches;
  return [];
}
