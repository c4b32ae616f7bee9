import { BUILT_IN_NAMES, referencedNames } from '../runtime/references';
import type { StepDefinition } from './definition-types';
import { stepLabel, type Problems } from './problems';
import { SetOnEveryPath, type IsSet } from './set-on-every-path';
import { childSequences, defaultNext, edgesOf, variablesSetBy, type Edge } from './step-graph';

const HALTING = new Set(['halt', 'approval', 'wait', 'workflow', 'event']);

/**
 * Checks one sequence and, recursively, the sequences inside it: targets exist in the same
 * sequence, every step is reachable, and every variable read is set on every path to the reader.
 * `known` says what is set before the sequence's first step.
 */
export function checkSequence(
  sequence: StepDefinition[],
  nested: boolean,
  known: IsSet,
  problems: Problems,
  inParallel = false,
): void {
  if (sequence.length === 0) return;
  const positionOf = new Map(sequence.map((step, position) => [step.id, position]));
  const edgeLists = sequence.map((step, position) =>
    edgesOf(step, defaultNext(sequence, position, nested)),
  );

  sequence.forEach((step, position) => {
    for (const edge of edgeLists[position]) {
      if (!positionOf.has(edge.target)) {
        problems.add(
          stepLabel(step.id),
          `"${edge.key}" refers to step "${edge.target}", which is not ${nested ? 'in the same body' : 'a top-level step'}`,
        );
      }
    }
    if (inParallel && HALTING.has(step.type)) {
      problems.add(
        stepLabel(step.id),
        `parallel branches cannot contain ${step.type} steps: they would halt the branch`,
      );
    }
  });

  const reachable = reachableFromFirst(edgeLists, positionOf);
  sequence.forEach((step, position) => {
    if (!reachable[position])
      problems.add(stepLabel(step.id), 'is unreachable: no step leads to it');
  });

  const paths = new SetOnEveryPath(sequence, edgeLists, positionOf, known, variablesSetBy);
  sequence.forEach((step, position) => {
    // An unreachable step has no path to check its reads against; its bodies are still checked.
    const before: IsSet = reachable[position] ? (name) => paths.isSetBefore(position, name) : known;
    for (const name of reachable[position] ? readsOf(step) : []) {
      if (!isBuiltIn(name) && !before(name)) {
        problems.add(
          stepLabel(step.id),
          `reads $${name}, which is not set on every path leading to this step`,
        );
      }
    }
    const bodyVariables = new Set(
      step.type === 'loop' ? [step.as, step.index_as, 'iteration'] : [],
    );
    const inner: IsSet = (name) => bodyVariables.has(name) || before(name);
    for (const body of childSequences(step)) {
      checkSequence(body, true, inner, problems, inParallel || step.type === 'parallel');
    }
  });
}

/** Breadth-first from the first step; one flag per position. */
function reachableFromFirst(
  edgeLists: Edge[][],
  positionOf: ReadonlyMap<string, number>,
): boolean[] {
  const reached = edgeLists.map(() => false);
  reached[0] = true;
  const queue = [0];
  for (let head = 0; head < queue.length; head++) {
    for (const edge of edgeLists[queue[head]]) {
      const target = positionOf.get(edge.target);
      if (target !== undefined && !reached[target]) {
        reached[target] = true;
        queue.push(target);
      }
    }
  }
  return reached;
}

/**
 * The variables a step reads (first path segment) that must be set on every path to it, nested
 * bodies excluded. A router's or a while loop's conditions are not among them: a condition may read
 * a variable that some path does not set (that is what `exists` is for), and it reads as missing.
 */
export function readsOf(step: StepDefinition): Set<string> {
  const names = new Set<string>();
  switch (step.type) {
    case 'end':
      referencedNames(step.result, names);
      break;
    case 'assign': {
      // Later keys may read earlier ones of the same step.
      const earlier = new Set<string>();
      for (const [key, value] of Object.entries(step.set)) {
        for (const name of referencedNames(value)) if (!earlier.has(name)) names.add(name);
        earlier.add(key);
      }
      break;
    }
    case 'call':
    case 'workflow':
      referencedNames(step.input, names);
      break;
    case 'custom':
      referencedNames(step.config, names);
      break;
    case 'loop':
      referencedNames(step.over, names);
      break;
    case 'transform': {
      if (step.input !== undefined) names.add(step.input.split('.')[0]);
      const perItem = new Set<string>();
      step.expression.forEach((op) => {
        referencedNames(op.arg, perItem);
        if (op.condition) {
          perItem.add(op.condition.field.split('.')[0]);
          referencedNames(op.condition.value, perItem);
        }
      });
      perItem.forEach((name) => name !== 'item' && name !== 'index' && names.add(name));
      break;
    }
    case 'halt':
      referencedNames([step.reason, step.data], names);
      break;
    case 'approval':
      referencedNames([step.prompt, step.context, step.approvers], names);
      break;
    case 'wait':
      referencedNames(step.until, names);
      break;
    case 'event':
      referencedNames(step.match, names);
      break;
  }
  return names;
}

const BUILT_IN = new Set<string>(BUILT_IN_NAMES);

function isBuiltIn(name: string): boolean {
  return BUILT_IN.has(name);
}
