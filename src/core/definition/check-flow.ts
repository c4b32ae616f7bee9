import { BUILT_IN_NAMES, referencedNames } from '../runtime/references';
import type { Condition, StepDefinition } from './definition-types';
import { stepLabel, type Problems } from './problems';
import { childSequences, defaultNext, edgesOf, variablesSetBy } from './step-graph';

const HALTING = new Set(['halt', 'approval', 'wait', 'workflow']);

/**
 * Checks one sequence and, recursively, the sequences inside it: targets exist in the same
 * sequence, every step is reachable, and every variable read is set on every path to the reader.
 */
export function checkSequence(
  sequence: StepDefinition[],
  nested: boolean,
  known: Set<string>,
  problems: Problems,
  inParallel = false,
): void {
  if (sequence.length === 0) return;
  const byId = new Map(sequence.map((step, position) => [step.id, { step, position }]));
  const edgeLists = sequence.map((step, position) =>
    edgesOf(step, defaultNext(sequence, position, nested)),
  );
  const edges = new Map(sequence.map((step, position) => [step.id, edgeLists[position]]));

  sequence.forEach((step, position) => {
    for (const edge of edgeLists[position]) {
      if (!byId.has(edge.target)) {
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

  const reachable = new Set<string>([sequence[0].id]);
  const queue = [sequence[0].id];
  while (queue.length) {
    for (const edge of edges.get(queue.shift() as string) ?? []) {
      if (byId.has(edge.target) && !reachable.has(edge.target)) {
        reachable.add(edge.target);
        queue.push(edge.target);
      }
    }
  }
  for (const step of sequence) {
    if (!reachable.has(step.id))
      problems.add(stepLabel(step.id), 'is unreachable: no step leads to it');
  }

  const setBefore = mustBeSet(sequence, edges, byId, known);
  for (const step of sequence) {
    // An unreachable step has no path to check its reads against; its bodies are still checked.
    const available = setBefore.get(step.id);
    for (const name of available ? readsOf(step) : []) {
      if (!available?.has(name) && !isBuiltIn(name)) {
        problems.add(
          stepLabel(step.id),
          `reads $${name}, which is not set on every path leading to this step`,
        );
      }
    }
    const before = available ?? known;
    if (step.type === 'loop' && step.while && available) {
      // A while condition may read what the body sets: unset means falsy on the first test.
      const fromBody = new Set(step.do.flatMap(variablesSetBy));
      for (const name of readsOfCondition(step.while)) {
        if (
          !before.has(name) &&
          !fromBody.has(name) &&
          !isBuiltIn(name) &&
          name !== step.index_as &&
          name !== 'iteration'
        ) {
          problems.add(
            stepLabel(step.id),
            `"while" reads $${name}, which neither the steps before nor the body set`,
          );
        }
      }
    }
    for (const body of childSequences(step)) {
      const inner = new Set(before);
      if (step.type === 'loop') [step.as, step.index_as, 'iteration'].forEach((n) => inner.add(n));
      checkSequence(body, true, inner, problems, inParallel || step.type === 'parallel');
    }
  }
}

/** Variables set on every path from the sequence's first step to each step (a must-analysis). */
function mustBeSet(
  sequence: StepDefinition[],
  edges: Map<string, ReturnType<typeof edgesOf>>,
  byId: Map<string, unknown>,
  entry: Set<string>,
): Map<string, Set<string>> {
  // Unvisited steps are absent; every set contains `entry`, since variables are never unset.
  const before = new Map<string, Set<string>>([[sequence[0].id, new Set(entry)]]);
  let changed = true;
  while (changed) {
    changed = false;
    for (const step of sequence) {
      const inSet = before.get(step.id);
      if (!inSet) continue;
      for (const edge of edges.get(step.id) ?? []) {
        if (!byId.has(edge.target)) continue;
        const out = new Set(inSet);
        if (edge.succeeded) variablesSetBy(step).forEach((name) => out.add(name));
        if (edge.error) out.add('_last_error');
        const current = before.get(edge.target);
        const merged = current ? new Set([...current].filter((name) => out.has(name))) : out;
        if (!current || merged.size !== current.size) {
          before.set(edge.target, merged);
          changed = true;
        }
      }
    }
  }
  return before;
}

/** The variables a step reads (first path segment), nested bodies excluded. */
export function readsOf(step: StepDefinition): Set<string> {
  const names = new Set<string>();
  const condition = (c: Condition) => readsOfCondition(c).forEach((name) => names.add(name));
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
    case 'router':
      step.routes.forEach((route) => condition(route.when));
      break;
    case 'loop':
      referencedNames(step.over, names);
      break;
    case 'transform': {
      names.add(step.input.split('.')[0]);
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
  }
  return names;
}

function readsOfCondition(condition: Condition): Set<string> {
  const names = referencedNames(condition.value);
  names.add(condition.field.split('.')[0]);
  return names;
}

function isBuiltIn(name: string): boolean {
  return (BUILT_IN_NAMES as readonly string[]).includes(name);
}
