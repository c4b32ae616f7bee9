import { Logger } from '@nestjs/common';
import type { DurableWorkflowStore, Execution } from '../../src';
import { ExecutionLeases } from '../../src/nest/queue/execution-lease';
import { newExecution } from '../support/fixtures';
import { RedisHarness } from '../support/redis-harness';

/** A child's job takes the lease of its tree's root, which the child names: no ancestor is loaded. */
describe('leases of sub-workflow executions', () => {
  const harness = new RedisHarness();
  afterAll(() => harness.close());

  it('claims the root a child names, loading only the child', async () => {
    const store = await harness.open();
    const root = await store.save(newExecution({ status: 'halted', currentStep: 'sub' }));
    const child = (of: Execution, depth: number) =>
      store.save(
        newExecution({
          status: 'halted',
          currentStep: 'sub',
          runtime: {
            frames: [],
            response: null,
            approved: null,
            parent: { executionId: of.id, stepId: 'sub', depth, rootId: root.id },
          },
        }),
      );
    const middle = await child(root, 1);
    const leaf = await child(middle, 2);
    const loaded: string[] = [];
    // The real store, with its loads noted.
    const noting = Object.create(store) as DurableWorkflowStore;
    noting.load = (executionId) => {
      loaded.push(executionId);
      return store.load(executionId);
    };
    const leases = new ExecutionLeases(noting, 10_000, new Logger('test'));

    const held = await leases.hold(leaf.id, false, 'worker-1', async (_lease, current) => current);
    expect(held).toMatchObject({ kind: 'done', rootId: root.id });
    expect(loaded.filter((id) => id !== leaf.id)).toEqual([]);
    // The root's lease was taken, and given back after the work.
    expect(await store.claim(root.id, 'worker-2', 1000)).not.toBeNull();
  });

  it('falls back to the top of what is left when the root a child names was deleted', async () => {
    const store = await harness.open();
    const gone = await store.save(newExecution({ status: 'halted', currentStep: 'sub' }));
    const orphan = await store.save(
      newExecution({
        status: 'halted',
        currentStep: 'sub',
        runtime: {
          frames: [],
          response: null,
          approved: null,
          parent: { executionId: gone.id, stepId: 'sub', depth: 1, rootId: gone.id },
        },
      }),
    );
    await store.delete(gone.id);
    const leases = new ExecutionLeases(store, 10_000, new Logger('test'));
    const held = await leases.hold(orphan.id, false, 'worker-1', async (_l, current) => current);
    expect(held).toMatchObject({ kind: 'done', rootId: orphan.id });
  });
});
