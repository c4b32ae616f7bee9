import { FINISHED, type ParallelStep, type StepDefinition } from './definition-types';
import { SetOnEveryPath } from './set-on-every-path';

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
    case 'parallel':
      return [...(step.output ? [step.output] : []), ...setByEveryBranch(step, variablesSetBy)];
    case 'call':
    case 'loop':
    case 'transform':
    case 'workflow':
    case 'custom':
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

const everyBranchSets = new WeakMap<ParallelStep, string[]>();

/**
 * The variables a parallel step's branches leave set. A branch sets what it sets on every path to
 * its end. When the step waits for all branches, each one's are set (a failed branch fails the
 * step); when it waits for fewer, only those every branch sets, whichever branches finish.
 */
function setByEveryBranch(step: ParallelStep, setBy: (step: StepDefinition) => string[]): string[] {
  const known = everyBranchSets.get(step);
  if (known) return known;
  const perBranch = step.branches.map((branch) => setAtBranchEnd(branch, setBy));
  const waitsForAll =
    step.wait === 'all' || (typeof step.wait === 'number' && step.wait >= step.branches.length);
  const names = waitsForAll
    ? [...new Set(perBranch.flat())]
    : (perBranch[0] ?? []).filter((name) => perBranch.every((set) => set.includes(name)));
  everyBranchSets.set(step, names);
  return names;
}

function setAtBranchEnd(
  branch: StepDefinition[],
  setBy: (step: StepDefinition) => string[],
): string[] {
  const positionOf = new Map(branch.map((step, position) => [step.id, position]));
  const edgeLists = branch.map((step, position) =>
    edgesOf(step, defaultNext(branch, position, true)),
  );
  const paths = new SetOnEveryPath(branch, edgeLists, positionOf, () => false, setBy);
  // The steps after which the branch ends when they succeed.
  const exits = branch.flatMap((step, position) => {
    if (step.type === 'router') return [];
    const next = step.type === 'end' ? null : (step.next ?? defaultNext(branch, position, true));
    return next === null || next === FINISHED ? [position] : [];
  });
  if (exits.length === 0) return [];
  const candidates = new Set(branch.flatMap(setBy));
  return [...candidates].filter((name) =>
    exits.every(
      (position) => setBy(branch[position]).includes(name) || paths.isSetBefore(position, name),
    ),
  );
}
