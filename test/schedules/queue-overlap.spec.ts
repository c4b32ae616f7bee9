import { QueueEvents } from 'bullmq';
import { WORKFLOW_QUEUE_NAME, type Execution } from '../../src';
import { REDIS_URL } from '../support/env';
import { setUpQueueSuite } from '../support/queue-suite';
import { QUEUE_STORES } from '../support/queue-stores';

jest.setTimeout(120_000);

const WORKFLOW = 'every-second-skip';

describe.each(QUEUE_STORES)('queue mode on %s: overlap: skip', (_name, storeFor) => {
  let queueEvents: QueueEvents;
  // Closed before the suite's own teardown (hooks run in the order declared).
  afterAll(() => queueEvents?.close());
  const suite = setUpQueueSuite({ name: 'skip', store: storeFor, with: ['everySecondSkip'] });
  beforeAll(async () => {
    queueEvents = new QueueEvents(WORKFLOW_QUEUE_NAME, {
      connection: { url: REDIS_URL },
      prefix: suite.config.prefix,
    });
    await queueEvents.waitUntilReady();
  });

  const isScheduled = (execution: Execution) => execution.runtime?.scheduledFor !== undefined;
  const scheduled = async () =>
    (await suite.workflows.find({ workflowId: WORKFLOW, limit: 1000 })).filter(isScheduled);

  /** Resolves with the next scheduled execution to halt, other than `except`. */
  const nextHalt = (except?: string) =>
    new Promise<Execution>((resolve) => {
      const subscription = suite.workflows.changes().subscribe((execution) => {
        if (
          execution.workflowId === WORKFLOW &&
          isScheduled(execution) &&
          execution.status === 'halted' &&
          execution.id !== except
        ) {
          subscription.unsubscribe();
          resolve(execution);
        }
      });
    });

  /** Resolves once `count` tick jobs finished having started nothing. */
  const skippedTicks = (count: number) =>
    new Promise<void>((resolve) => {
      let seen = 0;
      const listener = ({ returnvalue }: { returnvalue: unknown }) => {
        const value = typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue;
        if ((value as { executionId?: unknown } | null)?.executionId !== null) return;
        if (++seen < count) return;
        queueEvents.off('completed', listener);
        resolve();
      };
      queueEvents.on('completed', listener);
    });

  it('skips ticks while the scheduled execution waits, past many newer manual starts', async () => {
    const { workflows } = suite;
    const firstHalt = nextHalt();
    await suite.startWorkers(2);
    const held = await firstHalt;

    // Started by hand, newer than the scheduled one: more than a page of them.
    const manual = await Promise.all(
      Array.from({ length: 150 }, () => workflows.start(WORKFLOW, { n: 2 })),
    );
    await Promise.all(manual.map((execution) => workflows.wait(execution.id)));
    await skippedTicks(3);
    expect((await scheduled()).map((execution) => execution.id)).toEqual([held.id]);

    const nextOne = nextHalt(held.id);
    await workflows.resume(held.id, { approved: true });
    expect((await workflows.wait(held.id)).status).toBe('completed');
    const after = await nextOne;
    expect(Date.parse(after.runtime!.scheduledFor!)).toBeGreaterThan(
      Date.parse(held.runtime!.scheduledFor!),
    );
    expect((await scheduled()).filter((execution) => execution.status !== 'completed')).toEqual([
      expect.objectContaining({ id: after.id }),
    ]);
  });
});
