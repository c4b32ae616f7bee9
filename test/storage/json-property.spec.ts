import fc from 'fast-check';
import { StoreError, type DurableWorkflowStore } from '../../src';
import { newExecution } from '../support/fixtures';
import { SqliteHarness } from '../support/sql-harness';
import { RedisHarness } from '../support/redis-harness';
import type { StoreHarness } from '../support/store-harness';

/** What a faithful JSON round trip gives back: Dates as ISO strings, undefined properties gone. */
function jsonImage(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

describe.each<[string, () => StoreHarness]>([
  ['sqlite', () => new SqliteHarness()],
  ['redis', () => new RedisHarness()],
])('random contexts on %s', (_name, makeHarness) => {
  const harness = makeHarness();
  let store: DurableWorkflowStore;
  beforeAll(async () => {
    store = await harness.open();
  });
  afterAll(() => harness.close());

  it('either come back equal or are refused with a StoreError, writing nothing', async () => {
    const value = fc.anything({
      maxDepth: 3,
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withSparseArray: true,
      withBoxedValues: true,
      withTypedArray: true,
    });
    const ctx = fc.dictionary(fc.string({ maxLength: 8 }), value, { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(ctx, async (context) => {
        const execution = newExecution({ ctx: context });
        let saved = true;
        try {
          await store.save(execution);
        } catch (error) {
          if (!(error instanceof StoreError)) throw error;
          saved = false;
        }
        const loaded = await store.load(execution.id);
        if (!saved) {
          expect(loaded).toBeNull();
          return;
        }
        expect(loaded?.ctx).toEqual(jsonImage(context));
        await store.delete(execution.id);
      }),
      { numRuns: 150 },
    );
  });
});
