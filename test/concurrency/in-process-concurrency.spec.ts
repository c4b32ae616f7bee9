import { randomBytes } from 'node:crypto';
import type { DurableWorkflowStore, Execution, WorkflowSource } from '../../src';
import { ServiceRegistry, WorkflowEngine, WorkflowRegistry } from '../../src/engine';
import { InProcessRunner } from '../../src/nest/runners/in-process-runner';
import { STORE_HARNESSES } from '../support/store-harnesses';
import type { StoreHarness } from '../support/store-harness';
import { until } from '../support/until';

/** A step that records who entered it and holds each one there until the test lets it go. */
class Turnstile {
  readonly entered: string[] = [];
  private readonly releases = new Map<string, () => void>();
  private readonly watchers: (() => void)[] = [];

  async pass(input: { name: string }): Promise<{ name: string }> {
    this.entered.push(input.name);
    await new Promise<void>((resolve) => {
      this.releases.set(input.name, resolve);
      this.watchers.splice(0).forEach((watch) => watch());
    });
    return input;
  }

  /** Resolves once `name` is held in the step. */
  async holding(name: string): Promise<void> {
    while (!this.releases.has(name)) await new Promise<void>((r) => this.watchers.push(r));
  }

  release(name: string): void {
    this.releases.get(name)!();
    this.releases.delete(name);
  }
}

function limited(
  id: string,
  concurrency: Record<string, unknown>,
  first?: unknown,
): WorkflowSource {
  const pass = {
    id: 'pass',
    type: 'call',
    service: 'turnstile',
    method: 'pass',
    input: { name: '$name' },
  };
  return {
    id,
    name: id,
    inputs: { name: { type: 'string' }, customer: { type: 'string', required: false } },
    concurrency,
    steps: first ? [first, pass] : [pass],
  } as WorkflowSource;
}

describe.each(STORE_HARNESSES)('concurrency limits in process on %s', (_name, makeHarness) => {
  let harness: StoreHarness;
  let store: DurableWorkflowStore;
  let runner: InProcessRunner;
  let turnstile: Turnstile;
  const suffix = randomBytes(3).toString('hex');
  const ids = {
    perCustomer: `per-customer-${suffix}`,
    two: `two-at-once-${suffix}`,
    review: `review-${suffix}`,
  };

  beforeAll(async () => {
    harness = makeHarness();
    store = await harness.open();
  });
  beforeEach(async () => {
    turnstile = new Turnstile();
    const services = new ServiceRegistry({ turnstile });
    const registry = new WorkflowRegistry(services);
    registry.registerAll([
      limited(ids.perCustomer, { limit: 1, key: '$input.customer' }),
      limited(ids.two, { limit: 2 }),
      limited(
        ids.review,
        { limit: 1 },
        { id: 'ask', type: 'approval', prompt: 'Go?', next: 'pass' },
      ),
    ]);
    // Strictly increasing creation times, so the order of the line is the order of the starts.
    let clock = Date.now();
    const engine = new WorkflowEngine({ store, registry, services, now: () => new Date(++clock) });
    runner = new InProcessRunner(engine, store);
    await runner.boot();
  });
  afterEach(() => runner.stop(5_000));
  afterAll(() => harness.close());

  const start = (workflowId: string, name: string, customer = 'c1') =>
    runner.start(workflowId, { name, customer }, undefined);
  async function settled(id: string): Promise<Execution> {
    return until(
      async () => (await store.load(id))!,
      (execution) => !['pending', 'running'].includes(execution.status),
    );
  }

  it('runs executions of one key one after the other, in the order they were started', async () => {
    const a = await start(ids.perCustomer, 'a');
    const b = await start(ids.perCustomer, 'b');
    const c = await start(ids.perCustomer, 'c');
    await turnstile.holding('a');
    expect((await store.load(b.id))!.status).toBe('pending');
    expect((await store.load(c.id))!.status).toBe('pending');

    // Another key is not held up by this one.
    const other = await start(ids.perCustomer, 'other', 'c2');
    await turnstile.holding('other');

    turnstile.release('a');
    await turnstile.holding('b');
    expect((await store.load(c.id))!.status).toBe('pending');
    turnstile.release('b');
    await turnstile.holding('c');
    turnstile.release('c');
    turnstile.release('other');
    for (const execution of [a, b, c, other])
      expect((await settled(execution.id)).status).toBe('completed');
    expect(turnstile.entered).toEqual(['a', 'other', 'b', 'c']);
  });

  it('runs up to the limit at once', async () => {
    const started = [];
    for (const name of ['x', 'y', 'z']) started.push(await start(ids.two, name));
    await turnstile.holding('x');
    await turnstile.holding('y');
    expect((await store.load(started[2].id))!.status).toBe('pending');
    turnstile.release('y');
    await turnstile.holding('z');
    turnstile.release('x');
    turnstile.release('z');
    for (const execution of started) expect((await settled(execution.id)).status).toBe('completed');
    expect(turnstile.entered).toEqual(['x', 'y', 'z']);
  });

  it('does not count halted executions', async () => {
    const first = await start(ids.review, 'first');
    expect((await settled(first.id)).status).toBe('halted');
    const second = await start(ids.review, 'second');
    expect((await settled(second.id)).status).toBe('halted');
    await runner.cancel(first.id);
    await runner.cancel(second.id);
  });

  it('hands the slot of a cancelled execution on to the next in line', async () => {
    const a = await start(ids.perCustomer, 'held', 'c3');
    const b = await start(ids.perCustomer, 'waiting', 'c3');
    const c = await start(ids.perCustomer, 'next', 'c3');
    await turnstile.holding('held');
    await runner.cancel(b.id);
    turnstile.release('held');
    await turnstile.holding('next');
    turnstile.release('next');
    expect((await settled(a.id)).status).toBe('completed');
    expect((await settled(c.id)).status).toBe('completed');
    expect(turnstile.entered).toEqual(['held', 'next']);
  });
});
