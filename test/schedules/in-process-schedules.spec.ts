import {
  WorkflowValidationError,
  type DurableWorkflowStore,
  type Execution,
  type WorkflowSource,
} from '../../src';
import { WorkflowEngine, WorkflowRegistry } from '../../src/engine';
import { scheduledExecutionId } from '../../src/core/schedule/cron-ticks';
import { InProcessRunner } from '../../src/nest/runners/in-process-runner';
import { ManualClock } from '../support/manual-clock';
import { STORE_HARNESSES } from '../support/store-harnesses';
import type { StoreHarness } from '../support/store-harness';
import { randomBytes } from 'node:crypto';
import { until } from '../support/until';

const at = (time: string) => new Date(`2030-03-04T${time}:00.000Z`);

function scheduled(id: string, schedule: Record<string, unknown>, steps?: unknown[]) {
  return {
    id,
    name: id,
    inputs: { region: { type: 'string' } },
    schedule: { cron: '*/5 * * * *', input: { region: 'eu' }, ...schedule },
    steps: steps ?? [{ id: 'report', type: 'assign', set: { reported: '$region' } }],
  } as WorkflowSource;
}

describe.each(STORE_HARNESSES)('schedules in process on %s', (_name, makeHarness) => {
  let harness: StoreHarness;
  let store: DurableWorkflowStore;
  const runners: InProcessRunner[] = [];

  beforeAll(async () => {
    harness = makeHarness();
    store = await harness.open();
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop(5_000)));
  });
  afterAll(() => harness.close());

  /** A process: an engine and runner on the shared store, with its own clock reading. */
  function processOn(workflows: WorkflowSource[], clock: ManualClock, on = store) {
    const registry = new WorkflowRegistry();
    registry.registerAll(workflows);
    const engine = new WorkflowEngine({ store: on, registry, now: () => clock.now() });
    const runner = new InProcessRunner(engine, on, 2000, undefined, clock);
    runners.push(runner);
    return runner;
  }

  /** The shared store, counting the pages of executions read through it. */
  function countingFinds() {
    const counted = { finds: 0, store: undefined as unknown as DurableWorkflowStore };
    counted.store = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'find') counted.finds++;
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    return counted;
  }

  const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;
  const ofWorkflow = (workflowId: string) => store.find({ workflowId });
  async function finished(id: string): Promise<Execution> {
    const execution = await until(
      () => store.load(id),
      (loaded) => loaded !== null && !['pending', 'running'].includes(loaded.status),
    );
    if (!execution) throw new Error(`execution ${id} was never created`);
    return execution;
  }

  it('starts one execution per tick, with the id of the workflow and the tick', async () => {
    const id = unique('report');
    const clock = new ManualClock(at('10:02'));
    await processOn([scheduled(id, {})], clock).boot();
    expect(await ofWorkflow(id)).toEqual([]);

    await clock.advanceTo(at('10:11'));
    const first = await finished(scheduledExecutionId(id, at('10:05')));
    const second = await finished(scheduledExecutionId(id, at('10:10')));
    expect(first.status).toBe('completed');
    expect(first.ctx['reported']).toBe('eu');
    expect(first.runtime?.scheduledFor).toBe(at('10:05').toISOString());
    expect(second.status).toBe('completed');
    expect(await ofWorkflow(id)).toHaveLength(2);
  });

  it('reads the cron expression in the time zone', async () => {
    const id = unique('morning');
    const clock = new ManualClock(new Date('2030-07-01T05:00:00.000Z'));
    await processOn([scheduled(id, { cron: '0 9 * * *', timezone: 'Europe/Paris' })], clock).boot();
    // 09:00 in Paris is 07:00 UTC in summer.
    await clock.advanceTo(new Date('2030-07-01T07:30:00.000Z'));
    const tick = new Date('2030-07-01T07:00:00.000Z');
    expect((await finished(scheduledExecutionId(id, tick))).status).toBe('completed');
  });

  it('starts one execution when two processes fire the same tick', async () => {
    const id = unique('shared');
    const [clockA, clockB] = [new ManualClock(at('10:02')), new ManualClock(at('10:02'))];
    await processOn([scheduled(id, {})], clockA).boot();
    await processOn([scheduled(id, {})], clockB).boot();
    await Promise.all([clockA.advanceTo(at('10:06')), clockB.advanceTo(at('10:06'))]);
    await finished(scheduledExecutionId(id, at('10:05')));
    expect(await ofWorkflow(id)).toHaveLength(1);
  });

  it('runs only the latest tick missed while no process ran', async () => {
    const id = unique('missed');
    const clock = new ManualClock(at('10:02'));
    const first = processOn([scheduled(id, {})], clock);
    await first.boot();
    await clock.advanceTo(at('10:06'));
    await finished(scheduledExecutionId(id, at('10:05')));
    await first.stop(5_000);

    const later = new ManualClock(at('10:32'));
    await processOn([scheduled(id, {})], later).boot();
    await finished(scheduledExecutionId(id, at('10:30')));
    const ticks = (await ofWorkflow(id)).map((e) => e.runtime?.scheduledFor).sort();
    expect(ticks).toEqual([at('10:05').toISOString(), at('10:30').toISOString()]);
  });

  it('skips a tick while the previous scheduled execution is not finished (overlap: skip)', async () => {
    const id = unique('overlap');
    const steps = [{ id: 'ask', type: 'approval', prompt: 'Go?' }];
    const clock = new ManualClock(at('10:02'));
    const runner = processOn([scheduled(id, { overlap: 'skip' }, steps)], clock);
    await runner.boot();
    await clock.advanceTo(at('10:06'));
    const held = await finished(scheduledExecutionId(id, at('10:05')));
    expect(held.status).toBe('halted');

    await clock.advanceTo(at('10:11'));
    expect(await store.load(scheduledExecutionId(id, at('10:10')))).toBeNull();

    await runner.cancel(held.id);
    await clock.advanceTo(at('10:16'));
    expect((await finished(scheduledExecutionId(id, at('10:15')))).status).toBe('halted');
  });

  it('finds the running scheduled execution past many manual starts, with no page read per tick', async () => {
    const id = unique('busy');
    const steps = [{ id: 'ask', type: 'approval', prompt: 'Go?' }];
    const workflow = scheduled(id, { overlap: 'skip' }, steps);
    const clock = new ManualClock(at('10:02'));
    const counted = countingFinds();
    const runner = processOn([workflow], clock, counted.store);
    await runner.boot();
    await clock.advanceTo(at('10:06'));
    const held = await finished(scheduledExecutionId(id, at('10:05')));
    expect(held.status).toBe('halted');
    // Started by hand, newer than the scheduled one: more than a page of them.
    for (let i = 0; i < 250; i++) await runner.start(id, { region: `manual-${i}` }, undefined);

    const findsBefore = counted.finds;
    await clock.advanceTo(at('10:21'));
    expect(counted.finds).toBe(findsBefore);
    for (const tick of ['10:10', '10:15', '10:20'])
      expect(await store.load(scheduledExecutionId(id, at(tick)))).toBeNull();

    // A process started now pages back once, at its start, and skips too.
    const later = new ManualClock(at('10:22'));
    const laterCounted = countingFinds();
    await processOn([workflow], later, laterCounted.store).boot();
    const findsAtBoot = laterCounted.finds;
    await later.advanceTo(at('10:26'));
    expect(laterCounted.finds).toBe(findsAtBoot);
    expect(await store.load(scheduledExecutionId(id, at('10:25')))).toBeNull();

    await runner.cancel(held.id);
    await Promise.all([clock.advanceTo(at('10:31')), later.advanceTo(at('10:31'))]);
    expect((await finished(scheduledExecutionId(id, at('10:30')))).status).toBe('halted');
    expect(counted.finds).toBe(findsBefore);
  });

  it('lets ticks overlap by default', async () => {
    const id = unique('allow');
    const steps = [{ id: 'ask', type: 'approval', prompt: 'Go?' }];
    const clock = new ManualClock(at('10:02'));
    await processOn([scheduled(id, {}, steps)], clock).boot();
    await clock.advanceTo(at('10:11'));
    await finished(scheduledExecutionId(id, at('10:10')));
    expect(await ofWorkflow(id)).toHaveLength(2);
  });
});

describe('schedule validation', () => {
  const load = (schedule: unknown) => () =>
    new WorkflowRegistry().register({
      id: 'bad',
      name: 'bad',
      schedule,
      steps: [{ id: 'a', type: 'assign', set: { x: 1 } }],
    } as WorkflowSource);

  it('refuses a cron expression that is not one, naming it', () => {
    expect(load({ cron: '61 * * * *' })).toThrow(WorkflowValidationError);
    expect(load({ cron: '61 * * * *' })).toThrow(/cron "61 \* \* \* \*" is not a cron expression/);
  });

  it('refuses an unknown time zone, naming it', () => {
    expect(load({ cron: '0 9 * * *', timezone: 'Mars/Olympus' })).toThrow(
      /timezone "Mars\/Olympus" is not an IANA time zone/,
    );
  });

  it('refuses an unknown overlap and a missing cron', () => {
    expect(load({ cron: '0 9 * * *', overlap: 'queue' })).toThrow(
      /overlap must be one of allow, skip/,
    );
    expect(load({ timezone: 'UTC' })).toThrow(/schedule: "cron" is required/);
  });

  it('refuses a schedule input the workflow would refuse', () => {
    const registry = new WorkflowRegistry();
    expect(() =>
      registry.register({
        id: 'typed',
        name: 'typed',
        inputs: { n: { type: 'integer' } },
        schedule: { cron: '0 9 * * *', input: { n: 'x' } },
        steps: [{ id: 'a', type: 'assign', set: { x: 1 } }],
      } as WorkflowSource),
    ).toThrow(/input "n" must be of type integer/);
  });
});
