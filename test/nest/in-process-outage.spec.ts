import { Logger } from '@nestjs/common';
import { RedisWorkflowStore, ResilientStore } from '../../src';
import { InProcessRunner } from '../../src/nest/runners/in-process-runner';
import { engineWith } from '../support/engine-harness';
import { ScratchRedisServer } from '../support/redis-server';
import { until } from '../support/until';

jest.setTimeout(60_000);

/** A call step held until the test lets it go, so the store can be stopped while it runs. */
function gate() {
  let open!: () => void;
  let entered!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (entered = resolve));
  return { open, reached, pass: () => (entered(), opened) };
}

const heldWorkflow = {
  id: 'held',
  name: 'A step held by the test, then the end',
  steps: [
    { id: 'held', type: 'call', service: 'gate', method: 'pass', output: 'passed', next: 'end' },
    { id: 'end', type: 'end', result: 'done' },
  ],
};

/**
 * In-process mode: work stopped by a store outage (its checkpoint failed) is taken up again from
 * its last checkpoint once the store answers, without a restart.
 */
describe('in-process runner across a store outage', () => {
  const server = new ScratchRedisServer();
  let inner: RedisWorkflowStore;

  beforeAll(async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await server.start();
    inner = new RedisWorkflowStore({ url: server.url, prefix: 'in-process-outage' });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await inner.close();
    await server.dispose();
  });

  it('finishes an execution whose checkpoint failed while the store was down', async () => {
    const store = new ResilientStore(inner, {
      retries: 1,
      baseDelayMs: 10,
      failureThreshold: 2,
      resetTimeoutMs: 200,
    });
    const held = gate();
    const { engine } = engineWith(store, [heldWorkflow], { gate: { pass: () => held.pass() } });
    const runner = new InProcessRunner(engine, store, 200);
    const started = await runner.start('held', {}, undefined);
    await held.reached;
    // The runner says, once, that the work stopped for the outage.
    const stopped = new Promise<void>((resolve) =>
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => resolve()),
    );
    await server.stop();
    held.open();
    await stopped;
    await server.start();
    const done = await until(
      () => store.load(started.id).catch(() => null),
      (execution) => execution?.status === 'completed',
      { withinMs: 20_000, everyMs: 100 },
    );
    expect(done).toMatchObject({ status: 'completed', result: 'done' });
    await runner.stop(1000);
  });
});
