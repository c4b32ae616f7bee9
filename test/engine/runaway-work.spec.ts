import type { DurableWorkflowStore } from '../../src';
import { engineWith } from '../support/engine-harness';
import { SqliteHarness } from '../support/sql-harness';
import { STORE_HARNESSES } from '../support/store-harnesses';

const counting = {
  id: 'counting',
  name: 'Counting',
  inputs: { items: { type: 'array', required: true } },
  steps: [
    {
      id: 'each',
      type: 'loop',
      over: '$input.items',
      as: 'item',
      max: 10_000,
      do: [{ id: 'note', type: 'assign', set: { seen: '$item' } }],
    },
  ],
};

/** w0 runs w1, which runs w2 … up to w11: eleven levels, one more than the limit. */
const chain = Array.from({ length: 12 }, (_, level) => ({
  id: `w${level}`,
  name: `Level ${level}`,
  steps:
    level < 11
      ? [{ id: 'down', type: 'workflow', workflow_id: `w${level + 1}`, output: 'below' }]
      : [{ id: 'bottom', type: 'assign', set: { reached: true } }],
}));

/** A parent whose child waits in a call until the test lets it go. */
const parent = {
  id: 'parent',
  name: 'Parent',
  steps: [{ id: 'spawn', type: 'workflow', workflow_id: 'child' }],
};
const child = {
  id: 'child',
  name: 'Child',
  steps: [{ id: 'slow', type: 'call', service: 'gate', method: 'pass' }],
};

class Gate {
  entered!: Promise<void>;
  private enter!: () => void;
  private release!: () => void;
  private opened!: Promise<void>;
  constructor() {
    this.reset();
  }
  reset(): void {
    this.entered = new Promise((resolve) => (this.enter = resolve));
    this.opened = new Promise((resolve) => (this.release = resolve));
  }
  async pass(): Promise<{ passed: true }> {
    this.enter();
    await this.opened;
    return { passed: true };
  }
  open(): void {
    this.release();
  }
}

describe('a long loop on SQLite, whose driver answers synchronously', () => {
  const harness = new SqliteHarness();
  let store: DurableWorkflowStore;

  beforeAll(async () => {
    store = await harness.open();
  });
  afterAll(() => harness.close());

  // Network stores give timers their turn at every write; a synchronous driver never does, unless
  // the engine yields.
  it('lets timers and other work run between the steps', async () => {
    const h = engineWith(store, [counting]);
    let running = true;
    const items = Array.from({ length: 100 }, (_, i) => i);
    const run = h.engine.run('counting', { items }).finally(() => (running = false));
    const timerSawRunning = await new Promise<boolean>((resolve) =>
      setTimeout(() => resolve(running), 0),
    );
    expect(timerSawRunning).toBe(true);
    expect((await run).status).toBe('completed');
  });
});

describe.each(STORE_HARNESSES)('runaway work on %s', (_name, makeHarness) => {
  const harness = makeHarness();
  let store: DurableWorkflowStore;

  beforeAll(async () => {
    store = await harness.open();
  });
  afterAll(() => harness.close());

  it('fails a sub-workflow step that would nest deeper than ten levels', async () => {
    const h = engineWith(store, [counting, ...chain, parent, child], { gate: new Gate() });
    const top = await h.engine.run('w0', {});
    expect(top.status).toBe('failed');
    expect(top.error).toMatch(/would run 11 sub-workflows deep, more than the limit of 10/);
  });

  it('cancels a running child with its parent, so the chain below stops', async () => {
    const gate = new Gate();
    const h = engineWith(store, [counting, ...chain, parent, child], { gate });
    const run = h.engine.run('parent', {}).catch((error: unknown) => error);
    await gate.entered;
    const started = await store.find({ workflowId: 'parent', status: 'running', limit: 1 });
    const parentId = started[0].id;
    const cancelled = await h.engine.cancel(parentId);
    expect(cancelled.status).toBe('cancelled');
    const [childExecution] = await store.find({ workflowId: 'child', limit: 1 });
    expect(childExecution.status).toBe('cancelled');
    gate.open();
    await run;
    expect((await store.load(childExecution.id))?.status).toBe('cancelled');
    expect((await store.load(parentId))?.status).toBe('cancelled');
  });
});
