import type { DurableWorkflowStore } from '../../src';
import { engineWith } from '../support/engine-harness';
import { SqliteHarness } from '../support/sql-harness';

const services = {
  clock: {
    async slow() {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return 'late';
    },
    async fast(input: { n: number }) {
      await new Promise((resolve) => setTimeout(resolve, input.n));
      return input.n;
    },
    async fail() {
      throw new Error('branch broke');
    },
  },
};

const workflows = [
  {
    id: 'halting',
    name: 'Halt with data',
    inputs: { order: { type: 'string' } },
    steps: [
      {
        id: 'pause',
        type: 'halt',
        reason: 'check $order',
        data: { order: '$order' },
        resume_step: 'answer',
      },
      { id: 'answer', type: 'assign', set: { said: '$response.note', flag: '$approved' } },
    ],
  },
  {
    id: 'timeouts',
    name: 'Call timeout',
    steps: [
      {
        id: 'slow',
        type: 'call',
        service: 'clock',
        method: 'slow',
        timeout: 0.05,
        on_error: 'caught',
      },
      {
        id: 'caught',
        type: 'end',
        result: { error: '$_last_error.name', message: '$_last_error.message' },
      },
    ],
  },
  {
    id: 'first_wins',
    name: 'Parallel any',
    steps: [
      {
        id: 'race',
        type: 'parallel',
        wait: 'any',
        output: 'winners',
        branches: [
          {
            id: 'slowpoke',
            type: 'call',
            service: 'clock',
            method: 'fast',
            input: { n: 200 },
            output: 'slow',
          },
          {
            id: 'sprinter',
            type: 'call',
            service: 'clock',
            method: 'fast',
            input: { n: 5 },
            output: 'quick',
          },
        ],
      },
    ],
  },
  {
    id: 'two_of_three',
    name: 'Parallel count with a failure',
    steps: [
      {
        id: 'fan',
        type: 'parallel',
        wait: 2,
        output: 'got',
        branches: [
          { id: 'one', type: 'call', service: 'clock', method: 'fast', input: { n: 1 } },
          { id: 'broken', type: 'call', service: 'clock', method: 'fail' },
          { id: 'two', type: 'call', service: 'clock', method: 'fast', input: { n: 2 } },
        ],
        next: 'done',
      },
      { id: 'done', type: 'end', result: '$got' },
    ],
  },
  {
    id: 'all_or_nothing',
    name: 'Parallel all with a failure',
    steps: [
      {
        id: 'fan',
        type: 'parallel',
        branches: [
          { id: 'ok', type: 'assign', set: { fine: true } },
          { id: 'bad', type: 'call', service: 'clock', method: 'fail' },
        ],
      },
    ],
  },
  {
    id: 'until',
    name: 'Wait until a time from the input',
    inputs: { at: { type: 'string' } },
    steps: [{ id: 'hold', type: 'wait', until: '$at' }],
  },
  {
    id: 'child_each',
    name: 'Sub-workflow per item',
    inputs: { names: { type: 'array' } },
    steps: [
      {
        id: 'each',
        type: 'loop',
        over: '$names',
        as: 'name',
        output: 'greetings',
        do: [
          {
            id: 'greet',
            type: 'workflow',
            workflow_id: 'greeter',
            input: { who: '$name' },
            output: 'greeting',
          },
        ],
      },
    ],
  },
  {
    id: 'greeter',
    name: 'Greeter',
    inputs: { who: { type: 'string' } },
    steps: [{ id: 'say', type: 'end', result: 'hello $who' }],
  },
];

describe('step options', () => {
  const harness = new SqliteHarness();
  let store: DurableWorkflowStore;
  let h: ReturnType<typeof engineWith>;
  beforeAll(async () => {
    store = await harness.open();
    h = engineWith(store, workflows, services);
  });
  afterAll(() => harness.close());

  it('halt: keeps its reason and data, and resumes at resume_step with the response', async () => {
    const halted = await h.engine.run('halting', { order: 'A-7' });
    expect(halted.haltData).toMatchObject({ reason: 'check A-7', order: 'A-7' });
    expect(halted.recoverTo).toBe('answer');
    const done = await h.engine.resume(halted.id, { response: { note: 'fine' }, approved: false });
    expect(done.ctx).toMatchObject({ said: 'fine', flag: false });
  });

  it('call: a timeout fails the attempt, and on_error sees it', async () => {
    const run = await h.engine.run('timeouts');
    expect(run.result).toEqual({
      error: 'CallTimeoutError',
      message: 'clock.slow did not answer within 50 ms',
    });
  });

  it('parallel: wait any takes the first branch to finish and leaves the others out', async () => {
    const run = await h.engine.run('first_wins');
    expect(run.ctx['winners']).toEqual([null, 5]);
    expect(run.ctx).toMatchObject({ quick: 5 });
    expect(run.ctx).not.toHaveProperty('slow');
    const trail = (await store.entries(run.id)).map((e) => e.stepId);
    expect(trail).toContain('race:sprinter');
    expect(trail).not.toContain('race:slowpoke');
  });

  it('parallel: a count is met despite a failing branch', async () => {
    const run = await h.engine.run('two_of_three');
    expect(run.result).toEqual([1, null, 2]);
  });

  it('parallel: with wait all one failing branch fails the step', async () => {
    const run = await h.engine.run('all_or_nothing');
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/Step "fan" failed: branch broke/);
  });

  it('wait: until may come from a reference', async () => {
    const at = new Date(Date.now() + 3600_000).toISOString();
    const run = await h.engine.run('until', { at });
    expect(run.haltData).toMatchObject({ type: 'wait', resume_at: at });
  });

  it('workflow: a child per loop iteration, each with its own execution', async () => {
    const run = await h.engine.run('child_each', { names: ['ana', 'bo'] });
    expect(run.ctx['greetings']).toEqual(['hello ana', 'hello bo']);
    const children = await store.find({ workflowId: 'greeter', limit: 1000 });
    expect(new Set(children.map((c) => c.id)).size).toBeGreaterThanOrEqual(2);
  });
});
