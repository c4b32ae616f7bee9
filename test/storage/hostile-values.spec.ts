import { RejectedValueError, ResilientStore, type DurableWorkflowStore } from '../../src';
import { engineWith } from '../support/engine-harness';
import { RedisHarness } from '../support/redis-harness';
import { PostgresHarness, SqliteHarness } from '../support/sql-harness';
import type { StoreHarness } from '../support/store-harness';

/** Nested `levels` deep: {a: {a: ... 1}}. */
function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

/** A step whose output the store refuses, with an on_error that catches it. */
const riskyWorkflow = {
  id: 'risky',
  name: 'A step returns what it is given',
  inputs: { kind: { type: 'string' } },
  steps: [
    {
      id: 'echo',
      type: 'call',
      service: 'echo',
      method: 'back',
      input: { kind: '$kind' },
      output: 'echoed',
      on_error: 'caught',
      next: 'fine',
    },
    { id: 'fine', type: 'end', result: 'fine' },
    { id: 'caught', type: 'end', result: 'caught' },
  ],
};

const values: Record<string, unknown> = {
  infinity: { 'socket hang up': Infinity, ECONNRESET: 'Connection is closed.' },
  deep: nested(1200),
  nul: 'nul\u0000byte',
  surrogate: 'lone \ud800 surrogate',
};

/** What each backend refuses, beyond the store's own JSON check (infinity, deep). */
const refusedBy: Record<string, string[]> = {
  postgres: ['infinity', 'deep', 'nul', 'surrogate'],
  sqlite: ['infinity', 'deep'],
  redis: ['infinity', 'deep'],
};

describe.each<[string, () => StoreHarness]>([
  ['postgres', () => new PostgresHarness()],
  ['sqlite', () => new SqliteHarness()],
  ['redis', () => new RedisHarness()],
])('hostile values on %s', (name, makeHarness) => {
  const harness = makeHarness();
  let inner: DurableWorkflowStore;
  let store: ResilientStore;

  beforeAll(async () => {
    inner = await harness.open();
    store = new ResilientStore(inner, { retries: 3, baseDelayMs: 1, failureThreshold: 2 });
  });
  afterAll(() => harness.close());

  it('refuses hostile starts as refusals: no retry, and the breaker stays closed', async () => {
    const { engine } = engineWith(store, [riskyWorkflow], { echo: { back: () => 1 } });
    for (let i = 0; i < 6; i++) {
      await expect(
        engine.create('risky', { kind: 'x', extra: values['infinity'] } as Record<string, unknown>),
      ).rejects.toBeInstanceOf(RejectedValueError);
    }
    expect(store.circuitState).toBe('closed');
  });

  it.each(Object.keys(values))(
    'a step whose output is %s: refused ones fail the step and take on_error',
    async (kind) => {
      const { engine, trail } = engineWith(store, [riskyWorkflow], {
        echo: { back: (input: { kind: string }) => values[input.kind] },
      });
      const done = await engine.run('risky', { kind });
      const refused = refusedBy[name].includes(kind);
      expect(done.status).toBe('completed');
      expect(done.result).toBe(refused ? 'caught' : 'fine');
      if (refused) {
        expect(done.ctx['_last_error']).toMatchObject({ step: 'echo' });
        expect(await trail(done.id)).toEqual(['echo:started', 'echo:failed', 'caught:completed']);
      }
      expect(store.circuitState).toBe('closed');
    },
  );
});
