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
 * In queue mode a wait for a run started here asks the start job how it came out, and its poll reads
 * the store for what the job can't tell: a cancel by another process leaves a running job in place
 * (locked until its step ends), still "queued" to whoever asks it.
 */
describe('wait in queue mode: the job, then the store', () => {
  const harness = new RedisHarness();
  afterAll(() => harness.close());

  /** The real store, its loads counted. */
  async function counted() {
    const store = await harness.open();
    const counts = { loads: 0 };
    const view: WorkflowStore = Object.create(store) as WorkflowStore;
    view.load = (executionId) => {
      counts.loads++;
      return store.load(executionId);
    };
    return { store, view, counts };
  }

  /** A source that reports nothing: every job's completion is missed. */
  const deaf = () =>
    new SharedRemoteChanges(() => (_changed, listening) => (listening(), () => undefined));

  /** A waiter on `view` that hears no other process and asks `outcomeOfJob` for the start job. */
  const waiterAsking = (
    view: WorkflowStore,
    outcomeOfJob: (executionId: string) => Promise<Execution | 'queued' | null>,
  ) => {
    const remote = deaf();
    const waiter = new ExecutionWaiter(
      view,
      new ExecutionEvents(),
      remote,
      async () => false,
      outcomeOfJob,
    );
    return { waiter, remote };
  };

  it('ends with a cancel another process made while the job still runs', async () => {
    const { store, view } = await counted();
    const running = await store.save(newExecution({ status: 'running', currentStep: 'work' }));
    let asked!: () => void;
    const jobAsked = new Promise<void>((resolve) => (asked = resolve));
    // The job is being run: it stays, and says so, whatever happens to its execution.
    const outcomeOfJob = async (): Promise<Execution | 'queued' | null> => {
      asked();
      return 'queued';
    };
    const { waiter, remote } = waiterAsking(view, outcomeOfJob);

    const waiting = waiter.wait(running.id, 30_000);
    await jobAsked;
    const cancelled = await store.save({ ...running, status: 'cancelled' });
    expect(await waiting).toEqual(cancelled);
    remote.close();
  });

  it('reads the store when the job lookup does not answer', async () => {
    const { store, view, counts } = await counted();
    const completed = await store.save(newExecution({ status: 'completed', result: 'done' }));
    // Redis away: the lookup never answers.
    const outcomeOfJob = () => new Promise<Execution | 'queued' | null>(() => undefined);
    const { waiter, remote } = waiterAsking(view, outcomeOfJob);

    expect(await waiter.wait(completed.id, 30_000)).toEqual(completed);
    expect(counts.loads).toBeGreaterThan(0);
    remote.close();
  });
});
