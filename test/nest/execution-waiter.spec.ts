import { WaitTimeoutError, type Execution, type WorkflowStore } from '../../src';
import { ExecutionEvents } from '../../src/nest/execution-events';
import { ExecutionWaiter } from '../../src/nest/execution-waiter';
import { SharedRemoteChanges } from '../../src/nest/shared-remote-changes';
import { newExecution } from '../support/fixtures';
import { RedisHarness } from '../support/redis-harness';

/**
 * `wait` looks at the store when told of a change and once a second; a burst of changes, or a
 * store slower than that, must not pile loads up.
 */
describe('wait: one load at a time', () => {
  const harness = new RedisHarness();
  afterAll(() => harness.close());

  it('coalesces the loads of a burst of changes heard while one is on its way', async () => {
    const store = await harness.open();
    const running = await store.save(newExecution({ status: 'running', currentStep: 'work' }));
    let inFlight = 0;
    let mostInFlight = 0;
    let loads = 0;
    // The real store, counted: how many of its loads overlap.
    const counted: WorkflowStore = Object.create(store) as WorkflowStore;
    counted.load = async (executionId) => {
      loads++;
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      try {
        return await store.load(executionId);
      } finally {
        inFlight--;
      }
    };
    let changed: (executionId: string) => void = () => undefined;
    const remote = new SharedRemoteChanges(() => (notify, listening) => {
      changed = notify;
      listening();
      return () => undefined;
    });
    const waiter = new ExecutionWaiter(counted, new ExecutionEvents(), remote, async () => false);

    const waiting = waiter.wait(running.id, 1500);
    for (let i = 0; i < 50; i++) changed(running.id);
    await expect(waiting).rejects.toBeInstanceOf(WaitTimeoutError);
    // The first look and the timeout's own read may overlap; the changes add one look after it.
    expect(mostInFlight).toBeLessThanOrEqual(2);
    expect(loads).toBeLessThan(10);
    remote.close();
  });

  it('takes the store, not a late report of its old job, on a failed execution retried since', async () => {
    const store = await harness.open();
    const stored = await store.save(newExecution({ status: 'failed', error: 'ship failed' }));
    let changed: (executionId: string, settled?: Execution) => void = () => undefined;
    const remote = new SharedRemoteChanges(() => (notify, listening) => {
      changed = notify;
      listening();
      return () => undefined;
    });
    const waiter = new ExecutionWaiter(store, new ExecutionEvents(), remote, async () => false);
    // Retried: pending again, then run to its end.
    const retried = await store.save({ ...stored, status: 'pending', error: null });
    const waiting = waiter.wait(stored.id, 10_000);
    changed(stored.id, stored);
    await store.save({ ...retried, status: 'completed', result: 'shipped' });
    changed(stored.id);
    expect(await waiting).toMatchObject({ status: 'completed', result: 'shipped' });
    remote.close();
  });
});
