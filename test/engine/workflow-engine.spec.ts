import {
  ExecutionStateError,
  WorkflowNotFoundError,
  WorkflowValidationError,
  deserializeError,
  type DurableWorkflowStore,
} from '../../src';
import { engineWith } from '../support/engine-harness';
import { STORE_HARNESSES } from '../support/store-harnesses';

class Ledger {
  booked: unknown[] = [];
  failuresLeft = 0;
  constructor(private readonly prefix = 'BK') {}
  async book(input: { amount: number }) {
    if (this.failuresLeft-- > 0) throw new Error('ledger offline');
    this.booked.push(input);
    return { ref: `${this.prefix}-${this.booked.length}`, amount: input.amount };
  }
  slow() {
    return new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Fails while `failing` is set. */
const flaky = {
  failing: false,
  go() {
    if (flaky.failing) throw new Error('ledger offline');
    return 'fine';
  },
};

const expense = `
id: expense
name: Expense approval
version: "2"
inputs:
  requester: { type: string }
  amount: { type: number }
steps:
  - { id: start, type: start, next: check }
  - id: check
    type: router
    routes:
      - when: { field: input.amount, op: gt, value: 1000 }
        then: manager
    default: book
  - id: manager
    type: approval
    prompt: "Approve $input.amount for $input.requester?"
    timeout: 3600
    on_reject: rejected
    on_timeout: timed_out
    next: book
  - id: book
    type: call
    service: ledger
    method: book
    input: { amount: "$input.amount" }
    output: booking
    retries: 2
    next: done
  - { id: rejected, type: end, result: { booked: false, note: "$response" } }
  - { id: timed_out, type: end, result: { booked: false, reason: timeout } }
  - { id: done, type: end, result: { booked: true, booking: "$booking" } }
`;

const loopWithApproval = {
  id: 'orders',
  name: 'Per-item approval',
  inputs: { items: { type: 'array' } },
  steps: [
    {
      id: 'each',
      type: 'loop',
      over: '$items',
      as: 'item',
      output: 'decisions',
      do: [
        { id: 'ask', type: 'approval', prompt: 'Ship $item.sku?', on_reject: 'note' },
        { id: 'note', type: 'assign', set: { last: '$item.sku', answer: '$approved' } },
      ],
      next: 'done',
    },
    { id: 'done', type: 'end', result: { decisions: '$decisions' } },
  ],
};

const child = {
  id: 'child',
  name: 'Child',
  inputs: { who: { type: 'string' } },
  steps: [
    { id: 'hello', type: 'assign', set: { greeting: 'hi $who' }, next: 'confirm' },
    { id: 'confirm', type: 'approval', prompt: 'Confirm $who', next: 'finish' },
    { id: 'finish', type: 'end', result: { greeting: '$greeting', confirmed: '$approved' } },
  ],
};

const parent = {
  id: 'parent',
  name: 'Parent',
  steps: [
    {
      id: 'sub',
      type: 'workflow',
      workflow_id: 'child',
      input: { who: 'ana' },
      output: 'childResult',
      next: 'after',
    },
    { id: 'after', type: 'assign', set: { done: true } },
  ],
};

/** A sub-workflow step with an on_error path. */
const guardedParent = {
  id: 'guarded-parent',
  name: 'Parent with a fallback',
  steps: [
    {
      id: 'sub',
      type: 'workflow',
      workflow_id: 'child',
      input: { who: 'bo' },
      output: 'childResult',
      next: 'after',
      on_error: 'fallback',
    },
    { id: 'after', type: 'assign', set: { done: true }, next: 'finish' },
    { id: 'fallback', type: 'assign', set: { fellBack: true }, next: 'finish' },
    { id: 'finish', type: 'end' },
  ],
};

const misc = {
  id: 'misc',
  name: 'Everything else',
  inputs: {
    values: { type: 'array', default: [3, 1, 2] },
    flag: { type: 'boolean', required: false },
  },
  steps: [
    {
      id: 'sorted',
      type: 'transform',
      input: 'values',
      expression: ['uniq', { sort: null }, 'reverse'],
      output: 'desc',
      next: 'both',
    },
    {
      id: 'both',
      type: 'parallel',
      branches: [
        [{ id: 'a1', type: 'assign', set: { a: 1 } }],
        [
          {
            id: 'b1',
            type: 'call',
            service: 'ledger',
            method: 'book',
            input: { amount: 7 },
            output: 'b',
          },
        ],
      ],
      output: 'branches',
      next: 'risky',
    },
    {
      id: 'risky',
      type: 'call',
      service: 'flaky',
      method: 'go',
      on_error: 'recover',
      next: 'finish',
    },
    { id: 'recover', type: 'assign', set: { recovered: '$_last_error.message' }, next: 'finish' },
    { id: 'finish', type: 'end' },
  ],
};

const polling = {
  id: 'polling',
  name: 'While loop',
  steps: [
    { id: 'init', type: 'assign', set: { n: 0 }, next: 'spin' },
    {
      id: 'spin',
      type: 'loop',
      while: { field: 'n', op: 'lt', value: 5 },
      max: 3,
      on_exhausted: 'gave_up',
      output: 'seen',
      do: [{ id: 'inc', type: 'transform', input: 'iteration', expression: [], output: 'n' }],
      next: 'done',
    },
    { id: 'gave_up', type: 'end', result: { exhausted: true, seen: '$seen' } },
    { id: 'done', type: 'end' },
  ],
};

const waiting = {
  id: 'waiting',
  name: 'Durable timer',
  timeout: 86400,
  steps: [
    { id: 'nap', type: 'wait', seconds: 120, next: 'after' },
    { id: 'after', type: 'assign', set: { woke: true } },
  ],
};

describe.each(STORE_HARNESSES)('workflow engine on %s', (_name, makeHarness) => {
  const harness = makeHarness();
  let store: DurableWorkflowStore;
  let ledger: Ledger;
  let h: ReturnType<typeof engineWith>;

  beforeAll(async () => {
    store = await harness.open();
  });
  afterAll(() => harness.close());
  beforeEach(() => {
    ledger = new Ledger();
    h = engineWith(
      store,
      [expense, loopWithApproval, child, parent, guardedParent, misc, polling, waiting],
      {
        ledger,
        flaky,
      },
    );
  });

  it('routes, calls a service and finishes, checkpointing each step', async () => {
    const run = await h.engine.run('expense', { requester: 'ana', amount: 120 });
    expect(run).toMatchObject({ status: 'completed', workflowVersion: '2' });
    expect(run.result).toEqual({ booked: true, booking: { ref: 'BK-1', amount: 120 } });
    expect(await h.trail(run.id)).toEqual([
      'start:completed',
      'check:completed',
      'book:started',
      'book:completed',
      'done:completed',
    ]);
    expect(run.ctx).not.toHaveProperty('status');
  });

  it('retries a failing call, recording each failed attempt', async () => {
    ledger.failuresLeft = 2;
    const run = await h.engine.run('expense', { requester: 'ana', amount: 5 });
    expect(run.status).toBe('completed');
    const entries = (await store.entries(run.id)).filter((e) => e.stepId === 'book');
    expect(
      entries.map((e) => `${e.action}:${(e.output as { attempt?: number })?.attempt ?? ''}`),
    ).toEqual(['started:1', 'failed:1', 'started:2', 'failed:2', 'started:3', 'completed:']);
    expect(deserializeError(entries[1].error as string).message).toBe('ledger offline');
  });

  it('fails when retries run out, keeping the error on the execution and the trail', async () => {
    ledger.failuresLeft = 5;
    const run = await h.engine.run('expense', { requester: 'ana', amount: 5 });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/Step "book" failed: ledger offline/);
    const last = (await store.entries(run.id)).pop();
    expect(last).toMatchObject({ stepId: 'book', action: 'failed' });
  });

  it('halts for approval and resumes on approve, reject, or expiry', async () => {
    const halted = await h.engine.run('expense', { requester: 'bo', amount: 5000 });
    expect(halted.status).toBe('halted');
    expect(halted.haltData).toMatchObject({
      type: 'approval',
      prompt: 'Approve 5000 for bo?',
      timeout: 3600,
    });
    expect(typeof halted.haltData?.['expires_at']).toBe('string');
    const approved = await h.engine.resume(halted.id, { approved: true });
    expect(approved.result).toMatchObject({ booked: true });

    const second = await h.engine.run('expense', { requester: 'bo', amount: 5000 });
    const rejected = await h.engine.resume(second.id, { approved: false, response: 'too much' });
    expect(rejected.result).toEqual({ booked: false, note: 'too much' });

    const third = await h.engine.run('expense', { requester: 'bo', amount: 5000 });
    expect((await h.engine.fireTimer(third.id)).status).toBe('halted');
    h.advance(3601 * 1000);
    expect((await h.engine.fireTimer(third.id)).result).toEqual({
      booked: false,
      reason: 'timeout',
    });
    await expect(h.engine.resume(third.id, { approved: true })).rejects.toBeInstanceOf(
      ExecutionStateError,
    );
  });

  it('requires approved to answer an approval', async () => {
    const halted = await h.engine.run('expense', { requester: 'bo', amount: 5000 });
    await expect(h.engine.resume(halted.id, { response: 'ok' })).rejects.toBeInstanceOf(
      WorkflowValidationError,
    );
  });

  it('lets exactly one of ten concurrent resumes go on', async () => {
    const halted = await h.engine.run('expense', { requester: 'bo', amount: 5000 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => h.engine.resume(halted.id, { approved: true })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(ledger.booked).toHaveLength(1);
    const trail = await h.trail(halted.id);
    expect(trail.filter((t) => t === 'book:completed')).toHaveLength(1);
  });

  it('resumes a halt inside a loop at the right item, with the results so far', async () => {
    let run = await h.engine.run('orders', { items: [{ sku: 'a' }, { sku: 'b' }, { sku: 'c' }] });
    expect(run.haltData?.['prompt']).toBe('Ship a?');
    run = await h.engine.resume(run.id, { approved: true });
    expect(run.haltData?.['prompt']).toBe('Ship b?');
    run = await h.engine.resume(run.id, { approved: false });
    expect(run.haltData?.['prompt']).toBe('Ship c?');
    expect(run.runtime?.frames[0]).toMatchObject({ type: 'loop', index: 2 });
    run = await h.engine.resume(run.id, { approved: true });
    expect(run.status).toBe('completed');
    const decisions = (run.result as { decisions: { answer: boolean }[] }).decisions;
    expect(decisions.map((d) => d.answer)).toEqual([true, false, true]);
    expect((await h.trail(run.id)).filter((t) => t.startsWith('each:'))).toContain(
      'each:ask:halted',
    );
  });

  it('halts with a sub-workflow and resumes the same child execution', async () => {
    const halted = await h.engine.run('parent');
    expect(halted.status).toBe('halted');
    const childId = halted.haltData?.['child_execution_id'] as string;
    expect(halted.haltData).toMatchObject({ type: 'approval', prompt: 'Confirm ana' });
    const childBefore = await store.load(childId);
    expect(childBefore?.status).toBe('halted');
    expect(childBefore?.runtime?.parent).toMatchObject({ depth: 1, rootId: halted.id });
    const done = await h.engine.resume(halted.id, { approved: true });
    expect(done.status).toBe('completed');
    expect(done.ctx['childResult']).toEqual({ greeting: 'hi ana', confirmed: true });
    expect(
      (await store.find({ workflowId: 'child', limit: 1000 })).filter((e) => e.id === childId),
    ).toHaveLength(1);
    expect((await store.load(childId))?.status).toBe('completed');
  });

  it('continues the parent when its child is resumed directly', async () => {
    const halted = await h.engine.run('parent');
    const childId = halted.haltData?.['child_execution_id'] as string;
    await h.engine.resume(childId, { approved: true });
    expect(await store.load(halted.id)).toMatchObject({ status: 'completed', ctx: { done: true } });
  });

  it("fails the parent when its child is cancelled directly, or takes the step's on_error", async () => {
    const halted = await h.engine.run('parent');
    const childId = halted.haltData?.['child_execution_id'] as string;
    expect((await h.engine.cancel(childId)).status).toBe('cancelled');
    const failed = await store.load(halted.id);
    expect(failed).toMatchObject({ status: 'failed', haltData: null });
    expect(failed?.error).toContain(`execution ${childId}) ended cancelled`);

    const guarded = await h.engine.run('guarded-parent');
    const guardedChild = guarded.haltData?.['child_execution_id'] as string;
    await h.engine.cancel(guardedChild);
    const fellBack = await store.load(guarded.id);
    expect(fellBack).toMatchObject({ status: 'completed', ctx: { fellBack: true } });
    expect(fellBack?.ctx['_last_error']).toMatchObject({ step: 'sub' });
  });

  it("cancels a parent and its child without taking the parent's on_error", async () => {
    const guarded = await h.engine.run('guarded-parent');
    const childId = guarded.haltData?.['child_execution_id'] as string;
    expect((await h.engine.cancel(guarded.id)).status).toBe('cancelled');
    expect((await store.load(childId))?.status).toBe('cancelled');
    expect(await store.load(guarded.id)).toMatchObject({ status: 'cancelled' });
  });

  it('runs transforms, parallel branches, and on_error with _last_error', async () => {
    flaky.failing = false;
    const run = await h.engine.run('misc', {});
    expect(run.status).toBe('completed');
    expect(run.ctx['desc']).toEqual([3, 2, 1]);
    expect(run.ctx).toMatchObject({ a: 1, b: { ref: 'BK-1', amount: 7 } });
    expect(run.ctx['branches']).toEqual([{ a: 1 }, { ref: 'BK-1', amount: 7 }]);
    expect(await h.trail(run.id)).toEqual(
      expect.arrayContaining(['both:a1:completed', 'both:b1:completed']),
    );

    flaky.failing = true;
    const recovered = await h.engine.run('misc', {});
    flaky.failing = false;
    expect(recovered.ctx['recovered']).toBe('ledger offline');
    expect(recovered.ctx['_last_error']).toMatchObject({ step: 'risky', name: 'Error' });
  });

  it('stops a while loop at max and goes to on_exhausted', async () => {
    const run = await h.engine.run('polling');
    expect(run.result).toEqual({ exhausted: true, seen: [1, 2, 3] });
  });

  it('halts on a durable timer and resumes when it is due', async () => {
    const run = await h.engine.run('waiting');
    expect(run.haltData).toMatchObject({ type: 'wait' });
    expect((await h.engine.fireTimer(run.id)).status).toBe('halted');
    h.advance(121 * 1000);
    expect(await h.engine.fireTimer(run.id)).toMatchObject({
      status: 'completed',
      ctx: { woke: true },
    });
  });

  it('fails a run that exceeds its timeout', async () => {
    const run = await h.engine.run('waiting');
    h.advance(86401 * 1000);
    const timedOut = await h.engine.fireTimer(run.id);
    expect(timedOut.status).toBe('failed');
    expect(timedOut.error).toMatch(/timeout of 86400 s/);
  });

  it('starts idempotently with an executionId', async () => {
    const id = (await h.engine.run('expense', { requester: 'x', amount: 1 })).id;
    const again = await h.engine.run('expense', { requester: 'x', amount: 1 }, { executionId: id });
    expect(again.id).toBe(id);
    expect(ledger.booked).toHaveLength(1);
  });

  it('validates inputs at start, naming each one', async () => {
    const error = await h.engine.run('expense', { amount: 'lots' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowValidationError);
    expect((error as Error).message).toMatch(/input "requester" is required/);
    expect((error as Error).message).toMatch(/input "amount" must be of type number/);
  });

  it('resumes a halted execution on the version it started on', async () => {
    const halted = await h.engine.run('expense', { requester: 'v', amount: 5000 });
    const v3 = expense.replace('version: "2"', 'version: "3"').replace('BK', 'V3');
    const upgraded = engineWith(
      store,
      [expense, v3, loopWithApproval, child, parent, misc, polling, waiting],
      { ledger, flaky },
    );
    expect(upgraded.registry.get('expense').version).toBe('3');
    const resumed = await upgraded.engine.resume(halted.id, { approved: true });
    expect(resumed).toMatchObject({ status: 'completed', workflowVersion: '2' });
    const onlyV3 = engineWith(store, [v3], { ledger, flaky });
    const stuck = await h.engine.run('expense', { requester: 'v', amount: 5000 });
    await expect(onlyV3.engine.resume(stuck.id, { approved: true })).rejects.toThrow(
      WorkflowNotFoundError,
    );
    await expect(onlyV3.engine.resume(stuck.id, { approved: true })).rejects.toThrow(
      /version "2" is not registered \(registered: 3\)/,
    );
  });

  it('cancels a halted execution', async () => {
    const halted = await h.engine.run('expense', { requester: 'c', amount: 5000 });
    expect((await h.engine.cancel(halted.id)).status).toBe('cancelled');
    await expect(h.engine.cancel(halted.id)).rejects.toBeInstanceOf(ExecutionStateError);
  });
});
