import { join } from 'node:path';
import {
  ExecutionStateError,
  WaitTimeoutError,
  STORE,
  type Entry,
  type WorkflowStore,
} from '../../src';
import { workflowJobId } from '../../src/nest/queue/workflow-jobs';
import { setUpQueueSuite } from '../support/queue-suite';
import { until } from '../support/until';

jest.setTimeout(90_000);

const count = (entries: Entry[], stepId: string, action: string) =>
  entries.filter((e) => e.stepId === stepId && e.action === action).length;

describe('queue mode: a web-only process and worker processes', () => {
  const suite = setUpQueueSuite({ name: 'queue', workers: 2, maxRecoveries: 1 });

  it('runs start, halt and resume on a worker process for a process that only enqueues', async () => {
    const { workflows } = suite;
    const started = await workflows.start('approve');
    expect(started.status).toBe('pending');
    const halted = await workflows.wait(started.id, { timeoutMs: 10_000 });
    expect(halted).toMatchObject({ status: 'halted', haltData: { prompt: 'Go?' } });

    const handed = await workflows.resume(started.id, { approved: true });
    expect(handed.status).toBe('halted');
    const done = await workflows.wait(started.id, { timeoutMs: 10_000 });
    expect(done.status).toBe('completed');
    const after = done.ctx['after'] as { pid: number };
    expect(suite.workers.map((w) => w.pid)).toContain(after.pid);
    expect(after.pid).not.toBe(process.pid);
  });

  it('completes 200 executions on two worker processes, each step exactly once', async () => {
    const { workflows } = suite;
    const started = await Promise.all(
      Array.from({ length: 200 }, (_, n) => workflows.start('tally', { n })),
    );
    const ids = new Set(started.map((e) => e.id));
    const completed = await until(
      async () =>
        (await workflows.find({ workflowId: 'tally', status: 'completed', limit: 1000 })).filter(
          (e) => ids.has(e.id),
        ),
      (list) => list.length === 200,
      { withinMs: 60_000 },
    );
    expect(completed).toHaveLength(200);
    for (const execution of completed) {
      const entries = await workflows.entries(execution.id);
      expect(count(entries, 'stamp', 'started')).toBe(1);
      expect(count(entries, 'stamp', 'completed')).toBe(1);
      expect(count(entries, 'mark', 'completed')).toBe(1);
      expect(count(entries, 'done', 'completed')).toBe(1);
      expect(entries).toHaveLength(4);
    }
    const pids = new Set(completed.map((e) => (e.result as { pid: number }).pid));
    expect([...pids].sort()).toEqual(suite.workers.map((w) => w.pid).sort());
  });

  it('accepts one of ten concurrent resumes of one approval; the next step runs once', async () => {
    const { workflows } = suite;
    const started = await workflows.start('approve');
    await workflows.wait(started.id, { timeoutMs: 10_000 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => workflows.resume(started.id, { approved: true })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) {
      if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(ExecutionStateError);
    }
    expect((await workflows.wait(started.id, { timeoutMs: 10_000 })).status).toBe('completed');
    const entries = await workflows.entries(started.id);
    expect(count(entries, 'ask', 'completed')).toBe(1);
    expect(count(entries, 'after', 'started')).toBe(1);
    expect(count(entries, 'after', 'completed')).toBe(1);
  });

  it('resumes a sub-workflow through the queue, and its parent carries on', async () => {
    const { workflows } = suite;
    const parent = await workflows.start('parent');
    const halted = await workflows.wait(parent.id, { timeoutMs: 10_000 });
    expect(halted).toMatchObject({ status: 'halted', haltData: { child_type: 'approval' } });
    const childId = halted.haltData!['child_execution_id'] as string;
    await workflows.resume(childId, { approved: true });
    const done = await until(
      () => workflows.get(parent.id),
      (execution) => execution?.status === 'completed',
      { withinMs: 10_000 },
    );
    expect(done).toMatchObject({ status: 'completed', ctx: { closed: true } });
    expect((await workflows.get(childId))?.status).toBe('completed');
    expect(count(await workflows.entries(parent.id), 'closing', 'completed')).toBe(1);
  });

  it('wakes a halted parent whose child finished while no worker was there to wake it', async () => {
    const { workflows } = suite;
    const parent = await workflows.start('parent');
    const halted = await workflows.wait(parent.id, { timeoutMs: 10_000 });
    const childId = halted.haltData!['child_execution_id'] as string;
    // What a worker killed between the child's last checkpoint and waking the parent leaves.
    const store = suite.web.get<WorkflowStore>(STORE);
    const child = (await store.load(childId))!;
    await store.save({ ...child, status: 'completed', haltData: null, result: { ok: true } });
    const done = await until(
      () => workflows.get(parent.id),
      (execution) => execution?.status === 'completed',
      { withinMs: 15_000 },
    );
    expect(done).toMatchObject({ status: 'completed', ctx: { child: { ok: true }, closed: true } });
  });

  it('fails a halted parent on a worker when its child is cancelled directly', async () => {
    const { workflows } = suite;
    const parent = await workflows.start('parent');
    const halted = await workflows.wait(parent.id, { timeoutMs: 10_000 });
    const childId = halted.haltData!['child_execution_id'] as string;
    expect((await workflows.cancel(childId)).status).toBe('cancelled');
    const failed = await until(
      () => workflows.get(parent.id),
      (execution) => execution?.status === 'failed',
      { withinMs: 15_000 },
    );
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toContain('ended cancelled');
    expect(count(await workflows.entries(parent.id), 'closing', 'started')).toBe(0);
  });

  it('finishes on another worker once the lease of a worker killed mid-step expires', async () => {
    const { workflows } = suite;
    const markFile = join(suite.dir, 'hang-killed');
    const started = await workflows.start('hang', { markFile });
    const victim = await suite.workerThatMarked(markFile);
    await victim.stop('SIGKILL');

    const done = await workflows.wait(started.id, { timeoutMs: 20_000 });
    expect(done).toMatchObject({ status: 'completed', ctx: { began: true, ended: true } });
    const entries = await workflows.entries(started.id);
    expect(count(entries, 'before', 'completed')).toBe(1);
    expect(count(entries, 'hang', 'started')).toBe(2);
    expect(count(entries, 'hang', 'completed')).toBe(1);
    expect(count(entries, 'after', 'completed')).toBe(1);
    await suite.startWorker();
  });

  it('fails an execution whose step kills every worker once the takeover limit is reached', async () => {
    const { workflows } = suite;
    const started = await workflows.start('crash');
    // Each attempt kills a worker: the first run and one takeover; a third worker gives up.
    const dead = await until(
      () => 2 - suite.workers.length,
      (n) => n >= 2,
      { withinMs: 30_000 },
    );
    expect(dead).toBe(2);
    await suite.startWorker();
    const failed = await workflows.wait(started.id, { timeoutMs: 20_000 });
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/taken over 1 time at step "boom"/);
    const entries = await workflows.entries(started.id);
    expect(count(entries, 'boom', 'started')).toBe(2);
    expect(count(entries, 'boom', 'failed')).toBe(1);
    await suite.startWorker();
  });

  it('lets a step in flight finish and checkpoint when its worker is stopped with SIGTERM', async () => {
    const { workflows } = suite;
    const started = await workflows.start('slow');
    const running = await until(
      () => workflows.entries(started.id),
      (entries) => entries.some((e) => e.stepId === 'doze' && e.action === 'started'),
      { withinMs: 10_000 },
    );
    expect(running.length).toBeGreaterThan(0);
    const execution = (await workflows.get(started.id))!;
    expect(execution.status).toBe('running');
    await suite.stopWorkers('SIGTERM');
    // No worker is left to take it over: completed now means the stopping worker finished it.
    const done = (await workflows.get(started.id))!;
    expect(done).toMatchObject({ status: 'completed', ctx: { after: true } });
    const entries = await workflows.entries(started.id);
    expect(count(entries, 'doze', 'started')).toBe(1);
    expect(count(entries, 'doze', 'completed')).toBe(1);
    await suite.startWorkers(2);
  });

  it('keeps a two-second wait across a restart of every process', async () => {
    const started = await suite.workflows.start('nap');
    const halted = await suite.workflows.wait(started.id, { timeoutMs: 10_000 });
    expect(halted.status).toBe('halted');
    await suite.stopWorkers('SIGTERM');
    // The web app booted again: `suite.workflows` is the new one's.
    await suite.restartWeb();
    await suite.startWorkers(2);
    // Halted is a resting state for wait(): watch for the timer's job instead.
    const done = await until(
      () => suite.workflows.get(started.id),
      (execution) => execution?.status === 'completed',
      { withinMs: 20_000 },
    );
    expect(done).toMatchObject({ status: 'completed', ctx: { woke: true } });
    const entries = await suite.workflows.entries(started.id);
    const napped = entries.find((e) => e.stepId === 'nap' && e.action === 'completed')!;
    expect(napped).toBeDefined();
    const haltedAt = entries.find((e) => e.stepId === 'nap' && e.action === 'halted')!;
    expect(napped.timestamp.getTime() - haltedAt.timestamp.getTime()).toBeGreaterThanOrEqual(1900);
  });

  it('waits out a call retry back-off as a delayed job, not in the worker', async () => {
    const { workflows } = suite;
    const started = await workflows.start('flaky', { markFile: join(suite.dir, 'flaky') });
    const done = await workflows.wait(started.id, { timeoutMs: 20_000 });
    expect(done.status).toBe('completed');
    const entries = await workflows.entries(started.id);
    expect(count(entries, 'try', 'started')).toBe(2);
    expect(count(entries, 'try', 'failed')).toBe(1);
    const failedAt = entries.find((e) => e.action === 'failed')!.timestamp.getTime();
    const retriedAt = entries.filter((e) => e.action === 'started')[1].timestamp.getTime();
    expect(retriedAt - failedAt).toBeGreaterThanOrEqual(950);
    const { queue } = suite;
    const retries = (await queue.getJobs(['completed'])).filter(
      (job) => job.name === 'retry' && job.data.executionId === started.id,
    );
    expect(retries).toHaveLength(1);
  });

  it('cancels a halted execution and drops its timer job', async () => {
    const { workflows } = suite;
    const started = await workflows.start('nap');
    const halted = await workflows.wait(started.id, { timeoutMs: 10_000 });
    const { queue } = suite;
    const timerId = workflowJobId('timer', halted);
    // The worker adds the timer job just after the halt's checkpoint, which wait() may see first.
    const state = await until(
      () => queue.getJobState(timerId),
      (jobState) => jobState === 'delayed',
      { withinMs: 5_000 },
    );
    expect(state).toBe('delayed');
    expect((await workflows.cancel(started.id)).status).toBe('cancelled');
    expect(await queue.getJob(timerId)).toBeUndefined();
    // The same two-second wait started after the cancel has woken: the cancelled one's was due too.
    const later = await workflows.start('nap');
    const woke = await until(
      () => workflows.get(later.id),
      (execution) => execution?.status === 'completed',
      { withinMs: 10_000 },
    );
    expect(woke?.status).toBe('completed');
    expect(await workflows.get(started.id)).toMatchObject({ status: 'cancelled' });
  });

  it('cancels a pending execution before a worker takes it', async () => {
    const { workflows } = suite;
    await suite.stopWorkers('SIGTERM');
    const started = await workflows.start('tally', { n: 1 });
    const { queue } = suite;
    const startId = workflowJobId('start', started);
    expect(await queue.getJobState(startId)).toBe('waiting');
    expect((await workflows.cancel(started.id)).status).toBe('cancelled');
    expect(await queue.getJob(startId)).toBeUndefined();
    await suite.startWorker();
    // A start added after the cancel has been worked off: the worker has seen the queue.
    const later = await workflows.start('tally', { n: 2 });
    expect((await workflows.wait(later.id, { timeoutMs: 10_000 })).status).toBe('completed');
    expect(await workflows.get(started.id)).toMatchObject({ status: 'cancelled' });
    expect(await workflows.entries(started.id)).toEqual([]);
  });

  it('gives up waiting with WaitTimeoutError while the execution goes on', async () => {
    const { workflows } = suite;
    const markFile = join(suite.dir, 'hang-wait');
    const started = await workflows.start('hang', { markFile });
    await expect(workflows.wait(started.id, { timeoutMs: 300 })).rejects.toBeInstanceOf(
      WaitTimeoutError,
    );
    // Once a worker is in the hanging step (a fresh worker may take a moment to pick it up).
    await suite.workerThatMarked(markFile);
    expect((await workflows.get(started.id))?.status).toBe('running');
    await workflows.cancel(started.id);
  });
});
