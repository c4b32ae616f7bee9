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

/**
 * In queue mode a wait for a run started here asks the start job how it came out. A wait that
 * outlasts the poll interval must keep asking the job, not read the store, while the job waits or
 * runs; it must still end when the job's completion is never heard, and fall back to the store
 * when Redis does not answer.
 */
describe('wait in queue mode: the job before the store', () => {
  const harness = new RedisHarness();
  afterAll(() => harness.close());

  /** The real store, its loads counted; `looked` is told of every load and every ask of the job. */
  async function counted(looked: () => void) {
    const store = await harness.open();
    const counts = { loads: 0 };
    const view: WorkflowStore = Object.create(store) as WorkflowStore;
    view.load = (executionId) => {
      counts.loads++;
      looked();
      return store.load(executionId);
    };
    return { store, view, counts };
  }

  /** A source that reports nothing: every job's completion is missed. */
  const deaf = () =>
    new SharedRemoteChanges(() => (_changed, listening) => (listening(), () => undefined));

  it('asks the queued job at each poll without reading the store, and ends when the job has, its completion unheard', async () => {
    let looks = 0;
    let polled!: () => void;
    const twoPolls = new Promise<void>((resolve) => (polled = resolve));
    const looked = () => ++looks >= 3 && polled();
    const { store, view, counts } = await counted(looked);
    const running = await store.save(newExecution({ status: 'running', currentStep: 'work' }));
    let jobEnded: Execution | null = null;
    const outcomeOfJob = async (): Promise<Execution | 'queued' | null> => {
      looked();
      return jobEnded ?? 'queued';
    };
    const remote = deaf();
    const waiter = new ExecutionWaiter(
      view,
      new ExecutionEvents(),
      remote,
      async () => false,
      outcomeOfJob,
    );

    const waiting = waiter.wait(running.id, 30_000);
    // The first ask, then two polls.
    await twoPolls;
    expect(counts.loads).toBe(0);
    const completed = await store.save({ ...running, status: 'completed', result: 'done' });
    jobEnded = completed;
    expect(await waiting).toEqual(completed);
    expect(counts.loads).toBe(0);
    remote.close();
  });

  it('reads the store once the job lookup has not answered by the next poll', async () => {
    const { store, view, counts } = await counted(() => undefined);
    const completed = await store.save(newExecution({ status: 'completed', result: 'done' }));
    // Redis away: the lookup never answers.
    const outcomeOfJob = () => new Promise<Execution | 'queued' | null>(() => undefined);
    const remote = deaf();
    const waiter = new ExecutionWaiter(
      view,
      new ExecutionEvents(),
      remote,
      async () => false,
      outcomeOfJob,
    );

    expect(await waiter.wait(completed.id, 30_000)).toEqual(completed);
    expect(counts.loads).toBeGreaterThan(0);
    remote.close();
  });
});
