import { randomUUID } from 'node:crypto';
import {
  OutputSchemaError,
  deserializeError,
  WorkflowValidationError,
  type CustomStep,
  type CustomStepContext,
  type DurableWorkflowStore,
} from '../../src';
import { engineWith } from '../support/engine-harness';
import { STORE_HARNESSES } from '../support/store-harnesses';

interface LookupConfig {
  sku: string;
  note?: string;
}

/** `type: lookup`: prices a SKU. `FLAKY-*` fails its first attempt; `BROKEN` returns a bad price. */
class Lookup implements CustomStep<LookupConfig> {
  readonly seen: { config: LookupConfig; context: CustomStepContext }[] = [];
  private readonly failed = new Set<string>();

  validate(config: Record<string, unknown>): string[] {
    const problems: string[] = [];
    if (typeof config['sku'] !== 'string') problems.push('"sku" is required (a string)');
    for (const key of Object.keys(config)) {
      if (key !== 'sku' && key !== 'note') problems.push(`unknown key "${key}"`);
    }
    return problems;
  }

  async run(config: LookupConfig, context: CustomStepContext): Promise<unknown> {
    this.seen.push({ config, context });
    if (config.sku.startsWith('FLAKY') && !this.failed.has(context.executionId)) {
      this.failed.add(context.executionId);
      throw new Error('the price list is busy');
    }
    return { sku: config.sku, price: config.sku === 'BROKEN' ? 'free' : 12.5 };
  }
}

/** `type: gate`: the first run hangs until `release()` (a process that dies mid-step). */
class Gate implements CustomStep {
  runs = 0;
  entered!: Promise<void>;
  private enter!: () => void;
  private open!: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));

  constructor(private readonly hangFirst: boolean) {
    this.entered = new Promise((resolve) => (this.enter = resolve));
  }

  validate(): string[] {
    return [];
  }

  async run(): Promise<unknown> {
    this.runs++;
    this.enter();
    if (this.hangFirst && this.runs === 1) await this.opened;
    return { passed: true };
  }

  release(): void {
    this.open();
  }
}

const PRICE_SCHEMA = {
  type: 'object',
  required: ['sku', 'price'],
  properties: { sku: { type: 'string' }, price: { type: 'number', minimum: 0 } },
};

const priced = {
  id: 'priced',
  name: 'A custom step between built-in ones',
  inputs: {
    order: {
      type: 'object',
      schema: {
        type: 'object',
        required: ['sku'],
        properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
      },
    },
  },
  steps: [
    { id: 'label', type: 'assign', set: { label: 'spring' }, next: 'price' },
    {
      id: 'price',
      type: 'lookup',
      sku: '$input.order.sku',
      note: 'for $label',
      output: { key: 'quote', schema: PRICE_SCHEMA },
      retries: 1,
      retry_delay: 0,
      on_error: 'caught',
      next: 'done',
    },
    { id: 'done', type: 'end', result: { quote: '$quote' } },
    { id: 'caught', type: 'end', result: { error: '$_last_error' } },
  ],
};

const strict = {
  id: 'strict',
  name: 'A call whose output has a schema, without on_error',
  steps: [
    {
      id: 'fetch',
      type: 'call',
      service: 'catalog',
      method: 'item',
      output: {
        key: 'item',
        schema: { type: 'object', required: ['lines'], properties: { lines: { type: 'array' } } },
      },
    },
  ],
};

const gated = {
  id: 'gated',
  name: 'A custom step in flight when its process dies',
  steps: [
    { id: 'before', type: 'assign', set: { began: true }, next: 'gate' },
    { id: 'gate', type: 'gate', output: 'gate', next: 'after' },
    { id: 'after', type: 'assign', set: { ended: true } },
  ],
};

/** `type: stall`: never answers on its own; gives up when its signal aborts. */
class Stall implements CustomStep {
  aborted: unknown = null;
  validate(): string[] {
    return [];
  }
  run(_config: object, context: CustomStepContext): Promise<unknown> {
    return new Promise((_resolve, reject) =>
      context.signal.addEventListener('abort', () => {
        this.aborted = context.signal.reason;
        reject(new Error('stopped'));
      }),
    );
  }
}

const stalled = {
  id: 'stalled',
  name: 'A custom step over its timeout',
  steps: [
    { id: 'stall', type: 'stall', timeout: 0.05, on_error: 'caught' },
    { id: 'caught', type: 'end', result: '$_last_error' },
  ],
};

const threeLookups = {
  id: 'three_lookups',
  name: 'Three custom steps in a row',
  steps: ['a', 'b', 'c'].map((id, i, all) => ({
    id,
    type: 'lookup',
    sku: `SKU-${id}`,
    output: id,
    ...(i + 1 < all.length ? { next: all[i + 1] } : {}),
  })),
};

const catalog = {
  item: () => ({ lines: 'none', note: 'lines should be a list' }),
};

describe.each(STORE_HARNESSES)('custom step types on %s', (_name, makeHarness) => {
  const harness = makeHarness();
  let store: DurableWorkflowStore;

  beforeAll(async () => {
    store = await harness.open();
  });
  afterAll(() => harness.close());

  it('runs the step with its keys resolved, stores its output, and shows its type on the trail', async () => {
    const lookup = new Lookup();
    const h = engineWith(store, [priced], {}, { lookup });
    const done = await h.engine.run('priced', { order: { sku: 'A-1', qty: 2 } });

    expect(done).toMatchObject({
      status: 'completed',
      result: { quote: { sku: 'A-1', price: 12.5 } },
    });
    expect(lookup.seen).toHaveLength(1);
    const [{ config, context }] = lookup.seen;
    expect(config).toEqual({ sku: 'A-1', note: 'for spring' });
    expect(context).toEqual({
      executionId: done.id,
      workflowId: 'priced',
      stepId: 'price',
      stepType: 'lookup',
      attempt: 1,
      input: { order: { sku: 'A-1', qty: 2 } },
      variables: expect.objectContaining({ label: 'spring' }),
      signal: expect.any(AbortSignal),
    });
    expect(context.signal.aborted).toBe(false);
    const entries = await store.entries(done.id);
    expect(entries.filter((e) => e.stepId === 'price').map((e) => [e.stepType, e.action])).toEqual([
      ['lookup', 'started'],
      ['lookup', 'completed'],
    ]);
  });

  it('is passed by a fork with its recorded output, not run again', async () => {
    const lookup = new Lookup();
    const h = engineWith(store, [threeLookups], {}, { lookup });
    const source = await h.engine.run('three_lookups');
    expect(source.status).toBe('completed');
    const fork = await h.engine.fork(source.id, { fromStep: 'c' });
    const done = await h.engine.drive(fork.id);
    expect(done.status).toBe('completed');
    expect(lookup.seen.map((s) => s.config.sku)).toEqual(['SKU-a', 'SKU-b', 'SKU-c', 'SKU-c']);
    expect(done.ctx).toMatchObject({
      a: { sku: 'SKU-a', price: 12.5 },
      b: { sku: 'SKU-b', price: 12.5 },
      c: { sku: 'SKU-c', price: 12.5 },
    });
  });

  it('costs one checkpoint per step, as a call does: its start rides on the move to it', async () => {
    let checkpoints = 0;
    const counting = Object.create(store) as DurableWorkflowStore;
    counting.checkpoint = (execution, entries, options) => {
      checkpoints++;
      return store.checkpoint(execution, entries, options);
    };
    const h = engineWith(counting, [threeLookups], {}, { lookup: new Lookup() });
    const done = await h.engine.run('three_lookups');
    expect(done.status).toBe('completed');
    expect(await h.trail(done.id)).toEqual([
      'a:started',
      'a:completed',
      'b:started',
      'b:completed',
      'c:started',
      'c:completed',
    ]);
    // The first start also creates the execution; every later one goes with the step before.
    expect(checkpoints).toBe(4);
  });

  it('retries a failed attempt as a call step is retried', async () => {
    const lookup = new Lookup();
    const h = engineWith(store, [priced], {}, { lookup });
    const done = await h.engine.run('priced', { order: { sku: 'FLAKY-1' } });

    expect(done.status).toBe('completed');
    expect(done.ctx['quote']).toEqual({ sku: 'FLAKY-1', price: 12.5 });
    expect(lookup.seen.map((s) => s.context.attempt)).toEqual([1, 2]);
    expect((await h.trail(done.id)).filter((t) => t.startsWith('price:'))).toEqual([
      'price:started',
      'price:failed',
      'price:started',
      'price:completed',
    ]);
  });

  it('fails the step on an output that breaks its schema, naming the path, and takes on_error', async () => {
    const lookup = new Lookup();
    const h = engineWith(store, [priced], {}, { lookup });
    const done = await h.engine.run('priced', { order: { sku: 'BROKEN' } });

    expect(done.status).toBe('completed');
    expect(done.result).toEqual({
      error: expect.objectContaining({ step: 'price', name: 'OutputSchemaError' }),
    });
    const error = (done.result as { error: { message: string } }).error;
    expect(error.message).toContain('at $.price: must be number');
    // Nothing is stored from an output that failed its schema, and it is not retried.
    expect(done.ctx).not.toHaveProperty('quote');
    expect(lookup.seen).toHaveLength(1);
    const failed = (await store.entries(done.id)).find(
      (e) => e.stepId === 'price' && e.action === 'failed',
    );
    expect(deserializeError(failed?.error ?? '').name).toBe('OutputSchemaError');
  });

  it('fails a run whose call output breaks its schema when the step has no on_error', async () => {
    const h = engineWith(store, [strict], { catalog });
    const failed = await h.engine.run('strict', {});
    expect(failed.status).toBe('failed');
    expect(failed.error).toBe(
      `Step "fetch" failed: ${new OutputSchemaError('fetch', '$.lines', 'must be array').message}`,
    );
    expect(failed.ctx).not.toHaveProperty('item');
  });

  it('runs the step again after its process died before the checkpoint', async () => {
    const dying = new Gate(true);
    const first = engineWith(store, [gated], {}, { gate: dying });
    const executionId = randomUUID();
    const inFlight = first.engine.run('gated', {}, { executionId });
    // The step is in flight (or the run ended early, which the assertions below then report).
    await Promise.race([dying.entered, inFlight]);
    expect(dying.runs).toBe(1);

    // Another process takes the execution over from its last checkpoint.
    const taker = new Gate(false);
    const second = engineWith(store, [gated], {}, { gate: taker });
    const done = await second.engine.drive(executionId);
    expect(done).toMatchObject({ status: 'completed', ctx: { began: true, ended: true } });
    expect(taker.runs).toBe(1);

    // The first process wakes up late: its checkpoint is refused, the run stays as finished.
    dying.release();
    await inFlight.catch(() => undefined);
    const trail = await second.trail(executionId);
    expect(trail.filter((t) => t === 'gate:started')).toHaveLength(2);
    expect(trail.filter((t) => t === 'gate:completed')).toHaveLength(1);
    expect(trail.filter((t) => t === 'before:completed')).toHaveLength(1);
    expect((await store.load(executionId))?.status).toBe('completed');
  });

  it('fails an attempt over its timeout, aborting its signal', async () => {
    const stall = new Stall();
    const h = engineWith(store, [stalled], {}, { stall });
    const done = await h.engine.run('stalled', {});
    expect(done.result).toMatchObject({ step: 'stall', name: 'StepTimeoutError' });
    expect(stall.aborted).toMatchObject({ name: 'StepTimeoutError', stepType: 'stall' });
  });

  it('refuses a start whose input breaks the input schema, naming the path', async () => {
    const h = engineWith(store, [priced], {}, { lookup: new Lookup() });
    const refused = await h.engine.run('priced', { order: { sku: 'A-1', qty: 0 } }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(WorkflowValidationError);
    expect((refused as WorkflowValidationError).problems).toEqual([
      'input "order" does not match its schema at $.qty: must be >= 1',
    ]);
  });
});
