import type { Condition, StepDefinition } from '../../../../core/definition/definition-types';
import type { Edge } from '../../../../core/definition/step-graph';

/** The second line of a step's box: what it does, in a few words. */
export function stepSummary(step: StepDefinition): string {
  switch (step.type) {
    case 'call':
      return `${step.service}.${step.method}`;
    case 'workflow':
      return `runs ${step.workflow_id}`;
    case 'wait':
      return step.seconds !== undefined ? `wait ${step.seconds} s` : 'wait until';
    case 'loop':
      return step.while ? `loop while ${conditionText(step.while)}` : `loop: each ${step.as}`;
    case 'parallel':
      return `parallel, wait ${step.wait}`;
    default:
      return step.type;
  }
}

/** What an edge is labelled with: nothing for a plain `next`. */
export function edgeLabel(step: StepDefinition, edge: Edge): string | null {
  const route = /^routes\[(\d+)\]/.exec(edge.key);
  if (route && step.type === 'router') return conditionText(step.routes[Number(route[1])].when);
  const labels: Record<string, string | null> = {
    next: null,
    default: 'default',
    on_reject: 'rejected',
    on_timeout: 'timed out',
    on_error: 'error',
    on_exhausted: 'exhausted',
    resume_step: 'resume',
  };
  return edge.key in labels ? labels[edge.key] : edge.key;
}

function conditionText(condition: Condition): string {
  const value = condition.value === undefined ? '' : ` ${JSON.stringify(condition.value)}`;
  return `${condition.field} ${condition.op}${value}`;
}

/** Cuts text to `max` characters with an ellipsis; the full text goes in the box's tooltip. */
export function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
