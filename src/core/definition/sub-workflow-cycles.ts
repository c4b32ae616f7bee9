import type { WorkflowDefinition } from './definition-types';

/** A `workflow` step: which workflow runs which, and from which step. */
interface SubWorkflowCall {
  stepId: string;
  target: string;
}

/**
 * Cycles among sub-workflows (a workflow that runs itself, directly or through others), each as a
 * sentence naming the path. Such a cycle starts executions without end, so it is refused at load.
 * Every registered version counts: a halted execution resumes on the version it started on.
 */
export function subWorkflowCycles(definitions: Iterable<WorkflowDefinition>): string[] {
  const calls = callsById(definitions);
  const state = new Map<string, 'open' | 'done'>();
  const found = new Map<string, string>();
  for (const root of calls.keys()) {
    if (state.has(root)) continue;
    // Depth first without recursion: a long chain of workflows must not overflow the stack.
    const path: { id: string; via?: SubWorkflowCall; next: number }[] = [{ id: root, next: 0 }];
    state.set(root, 'open');
    while (path.length > 0) {
      const top = path[path.length - 1];
      const call = calls.get(top.id)?.[top.next++];
      if (!call) {
        state.set(top.id, 'done');
        path.pop();
        continue;
      }
      if (state.get(call.target) === 'open') {
        const start = path.findIndex((frame) => frame.id === call.target);
        const cycle = [
          ...path.slice(start + 1).map((frame) => frame.via),
          call,
        ] as SubWorkflowCall[];
        const names = path.slice(start).map((frame) => frame.id);
        found.set([...names].sort().join('\n'), describe(names, cycle));
      } else if (!state.has(call.target) && calls.has(call.target)) {
        state.set(call.target, 'open');
        path.push({ id: call.target, via: call, next: 0 });
      }
    }
  }
  return [...found.values()];
}

function callsById(definitions: Iterable<WorkflowDefinition>): Map<string, SubWorkflowCall[]> {
  const calls = new Map<string, SubWorkflowCall[]>();
  for (const definition of definitions) {
    const list = calls.get(definition.id) ?? [];
    for (const { step } of definition.index.values()) {
      if (step.type === 'workflow') list.push({ stepId: step.id, target: step.workflow_id });
    }
    calls.set(definition.id, list);
  }
  return calls;
}

function describe(names: string[], cycle: SubWorkflowCall[]): string {
  const hops = names.map((name, i) => `"${name}" (step "${cycle[i].stepId}")`);
  return `Workflow "${names[0]}": sub-workflows form a cycle ${hops.join(' → ')} → "${names[0]}"; every execution would start another without end. Break the cycle, or loop inside one workflow instead.`;
}
