import type { Execution, ExecutionStatus, FindQuery, WorkflowStore } from '../../src';
import type { WorkflowEngine } from '../../src/engine';
import { InProcessRunner } from '../../src/nest/runners/in-process-runner';

/** A store holding only what boot asks for: executions found by status, newest first, in pages. */
function storeOf(counts: Partial<Record<ExecutionStatus, number>>) {
  const executions: Execution[] = [];
  for (const [status, count] of Object.entries(counts)) {
    for (let i = 0; i < count; i++) {
      executions.push({ id: `${status}-${String(i).padStart(6, '0')}`, status } as Execution);
    }
  }
  const returned: Record<string, number> = {};
  const find = async ({ status, limit = 100, before }: FindQuery = {}) => {
    const matching = executions.filter((e) => e.status === status);
    const from = before === undefined ? 0 : matching.findIndex((e) => e.id === before) + 1;
    const page = matching.slice(from, from + limit);
    returned[status!] = (returned[status!] ?? 0) + page.length;
    return page;
  };
  return { store: { find } as unknown as WorkflowStore, returned };
}

describe('in-process runner boot', () => {
  it('reads every pending, running and halted execution, however many', async () => {
    const { store, returned } = storeOf({ pending: 1_200, running: 3, halted: 10_500 });
    const driven: string[] = [];
    const engine = {
      workflows: { ids: () => [], versions: () => [] },
      drive: async (id: string) => {
        driven.push(id);
        return null;
      },
    } as unknown as WorkflowEngine;
    const runner = new InProcessRunner(engine, store);
    await runner.boot();
    await runner.stop(1_000);
    expect(driven).toHaveLength(1_203);
    expect(new Set(driven).size).toBe(1_203);
    expect(returned['halted']).toBe(10_500);
  });
});
