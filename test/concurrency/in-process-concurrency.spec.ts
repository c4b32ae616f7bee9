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
  /** The most executions inside the step at one time. */
  mostInside = 0;
  private readonly releases = new Map<string, () => void>();
  private readonly watchers: (() => void)[] = [];

  async pass(input: { name: string }): Promise<{ name: string }> {
    this.entered.push(input.name);
    this.mostInside = Math.max(this.mostInside, this.releases.size + 1);
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
  let engine: WorkflowEngine;
  let registry: WorkflowRegistry;
  let services: ServiceRegistry;
  let turnstile: Turnstile;
  const suffix = randomBytes(3).toString('hex');
  const ids = {
    perCustomer: `per-customer-${suffix}`,
    two: `two-at-once-${suffix}`,
    review: `review-${suffix}`,
    nap: `nap-${suffix}`,
  };

  beforeAll(async () => {
    harness = makeHarness();
    store = await harness.open();
  });
  beforeEach(async () => {
    turnstile = new Turnstile();
    services = new ServiceRegistry({ turnstile });
    registry = new WorkflowRegistry(services);
    registry.registerAll([
      limited(ids.perCustomer, { limit: 1, key: '$input.customer' }),
      limited(ids.two, { limit: 2 }),
      limited(
        ids.review,
        { limit: 1 },
        { id: 'ask', type: 'approval', prompt: 'Go?', next: 'pass' },
      ),
      limited(ids.nap, { limit: 1 }, { id: 'nap', type: 'wait', seconds: 1, next: 'pass' }),
    ]);
    // Strictly increasing creation times, so the order of the line is the order of the starts.
    let clock = Date.now();
    engine = new WorkflowEngine({ store, registry, services, now: () => new Date(++clock) });
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

  it('lets executions resumed at once out of their halt one slot at a time, in order', async () => {
    const names = ['r1', 'r2', 'r3'];
    const halted: Execution[] = [];
    for (const name of names) {
      const execution = await start(ids.review, name);
      expect((await settled(execution.id)).status).toBe('halted');
      halted.push(execution);
    }
    const resumed = await Promise.all(halted.map((e) => runner.resume(e.id, { approved: true })));
    expect(resumed.map((e) => e.status).sort()).toEqual(['pending', 'pending', 'running']);
    // The first resume to arrive runs; the others are parked in the order they arrived.
    const first = resumed.findIndex((e) => e.status === 'running');
    const parked = resumed
      .map((e, i) => ({ i, parked: e.runtime?.parked }))
      .filter((p) => p.i !== first);
    for (const { parked: answer } of parked) expect(answer?.resume).toEqual({ approved: true });
    parked.sort((x, y) => x.parked!.since.localeCompare(y.parked!.since));
    const order = [first, ...parked.map((p) => p.i)].map((i) => names[i]);
    // A second resume of a parked execution is refused: its resume is already accepted.
    await expect(runner.resume(halted[parked[0].i].id, { approved: true })).rejects.toThrow(
      /waiting for a concurrency slot/,
    );

    for (const name of order) {
      await turnstile.holding(name);
      turnstile.release(name);
    }
    for (const execution of halted) expect((await settled(execution.id)).status).toBe('completed');
    expect(turnstile.entered).toEqual(order);
    expect(turnstile.mostInside).toBe(1);
  });

  it('parks a timer that falls due while the slot is held, and fires it once the slot is free', async () => {
    // Timers fall due on the real clock here.
    await runner.stop(5_000);
    runner = new InProcessRunner(new WorkflowEngine({ store, registry, services }), store);
    await runner.boot();
    const first = await start(ids.nap, 'first');
    const second = await start(ids.nap, 'second');
    const [name, other] = await Promise.race([
      turnstile.holding('first').then(() => ['first', second] as const),
      turnstile.holding('second').then(() => ['second', first] as const),
    ]);
    // Its timer falls due while the slot is held: parked, with no resume to apply.
    const waiting = await until(
      async () => (await store.load(other.id))!,
      (execution) => execution.status !== 'halted',
    );
    expect(waiting.status).toBe('pending');
    expect(waiting.runtime?.parked).toMatchObject({ halts: 1 });
    expect(waiting.runtime?.parked?.resume).toBeUndefined();
    turnstile.release(name);
    const next = name === 'first' ? 'second' : 'first';
    await turnstile.holding(next);
    turnstile.release(next);
    for (const execution of [first, second])
      expect((await settled(execution.id)).status).toBe('completed');
    expect(turnstile.mostInside).toBe(1);
  });

  it('applies a parked resume after a restart', async () => {
    const holder = await start(ids.review, 'holder', 'c9');
    const parked = await start(ids.review, 'parked', 'c9');
    for (const execution of [holder, parked])
      expect((await settled(execution.id)).status).toBe('halted');
    await runner.resume(holder.id, { approved: true });
    await turnstile.holding('holder');
    expect((await runner.resume(parked.id, { approved: true })).status).toBe('pending');

    // The process stops before the slot is handed on: the next process applies the parked resume.
    await runner.stop(0);
    turnstile.release('holder');
    expect((await settled(holder.id)).status).toBe('completed');
    expect((await store.load(parked.id))!.status).toBe('pending');
    runner = new InProcessRunner(engine, store);
    await runner.boot();
    await turnstile.holding('parked');
    turnstile.release('parked');
    expect((await settled(parked.id)).status).toBe('completed');
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
