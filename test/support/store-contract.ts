import { randomUUID } from 'node:crypto';
import {
  CorruptRecordError,
  ConcurrentUpdateError,
  deserializeError,
  ExecutionNotFoundError,
  RejectedValueError,
  StoreError,
  UnserializableValueError,
  type DurableWorkflowStore,
  type Execution,
} from '../../src';
import { serializeError } from '../../src/engine';
import { createdAtSeries, newEntry, newExecution, sleep } from './fixtures';
import type { StoreHarness } from './store-harness';
import { describeCheckpointsInParts } from './store-contract-parts';

/** The behaviour every store promises, run with the same bodies against each backend. */
export function describeStoreContract(harness: StoreHarness): void {
  describe(`${harness.name} store contract`, () => {
    let store: DurableWorkflowStore;
    // Each test works under its own workflow id, so listing tests see only their executions.
    let workflowId: string;
    let counter = 0;

    beforeAll(async () => {
      store = await harness.open();
    });
    afterAll(() => harness.close());
    beforeEach(() => {
      workflowId = `wf-${++counter}-${Date.now()}`;
    });

    const saved = (overrides: Partial<Execution> = {}) =>
      store.save(newExecution({ workflowId, ...overrides }));

    describe('save and load', () => {
      it('round-trips every typed field', async () => {
        const execution = newExecution({
          workflowId,
          workflowVersion: '3',
          status: 'halted',
          input: { amount: 1250.5, requester: 'ana' },
          ctx: { approved: false, items: [1, 2, 3], nested: { deep: { deeper: null } } },
          currentStep: 'manager',
          result: { booked: false },
          recoverTo: 'book',
          haltData: { type: 'approval', prompt: 'Approve?', approvers: ['lead'] },
          error: 'previous failure',
          runtime: {
            frames: [
              { type: 'loop', stepId: 'each', items: [1, 2], index: 1, results: ['a'], last: 'a' },
            ],
            response: { note: 'ok' },
            approved: true,
          },
        });
        const returned = await store.save(execution);
        expect(returned.revision).toBe(1);
        const loaded = await store.load(execution.id);
        expect(loaded).toEqual({ ...execution, revision: 1, updatedAt: returned.updatedAt });
        expect(loaded?.createdAt.toISOString()).toBe(execution.createdAt.toISOString());
      });

      it('returns null for an unknown id', async () => {
        expect(await store.load('00000000-0000-4000-8000-000000000000')).toBeNull();
      });

      it('increments the revision on every save and keeps status out of ctx', async () => {
        const first = await saved();
        const second = await store.save({ ...first, status: 'completed', result: 42 });
        expect(second.revision).toBe(2);
        const loaded = await store.load(first.id);
        expect(loaded).toMatchObject({ status: 'completed', result: 42, revision: 2, ctx: {} });
      });

      it('refuses a save from a stale copy and writes nothing', async () => {
        const first = await saved({ ctx: { n: 1 } });
        const winner = await store.save({ ...first, ctx: { n: 2 } });
        await expect(store.save({ ...first, ctx: { n: 3 } })).rejects.toBeInstanceOf(
          ConcurrentUpdateError,
        );
        expect(await store.load(first.id)).toMatchObject({
          ctx: { n: 2 },
          revision: winner.revision,
        });
      });

      it('refuses to insert over an existing execution', async () => {
        const first = await saved({ ctx: { n: 1 } });
        const { revision: _revision, ...neverSaved } = { ...first, ctx: { n: 9 } };
        await expect(store.save(neverSaved)).rejects.toBeInstanceOf(ConcurrentUpdateError);
        expect((await store.load(first.id))?.ctx).toEqual({ n: 1 });
      });

      it('says an execution is gone when saving one that was deleted', async () => {
        const first = await saved();
        await store.delete(first.id);
        await expect(store.save(first)).rejects.toBeInstanceOf(ExecutionNotFoundError);
      });

      it('lets exactly one of several writers from the same revision win', async () => {
        const base = await saved({ ctx: { writer: 'none' } });
        const outcomes = await Promise.allSettled(
          Array.from({ length: 8 }, (_, writer) => store.save({ ...base, ctx: { writer } })),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o) => o.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost.every((o) => o.reason instanceof ConcurrentUpdateError)).toBe(true);
        const winner = (won[0] as PromiseFulfilledResult<Execution>).value;
        expect(await store.load(base.id)).toMatchObject({ ctx: winner.ctx, revision: 2 });
      });

      it('stores nested JSON with unicode exactly', async () => {
        const ctx = {
          greeting: 'Grüße, 世界! 🚀 \\ "quoted" \n newline \t tab \u2028',
          emoji: ['👩‍💻', '🇧🇪'],
          numbers: [0, -1, 1.5, 1e21, Number.MAX_SAFE_INTEGER],
          nested: { a: { b: { c: { d: [{ e: 'ü' }] } } } },
          empty: {},
          none: null,
        };
        const execution = await saved({ ctx, input: { 'key with spaces': 'ß' } });
        const loaded = await store.load(execution.id);
        expect(loaded?.ctx).toEqual(ctx);
        expect(loaded?.input).toEqual({ 'key with spaces': 'ß' });
      });

      it('stores a 1 MB context', async () => {
        const big = 'x'.repeat(1024);
        const ctx = { rows: Array.from({ length: 1024 }, (_, i) => ({ i, big })) };
        const execution = await saved({ ctx });
        expect(JSON.stringify(ctx).length).toBeGreaterThan(1024 * 1024);
        expect((await store.load(execution.id))?.ctx).toEqual(ctx);
      });

      it('stores Dates as ISO strings', async () => {
        const when = new Date('2026-01-02T03:04:05.678Z');
        const execution = await saved({ ctx: { when } });
        expect((await store.load(execution.id))?.ctx).toEqual({ when: '2026-01-02T03:04:05.678Z' });
      });

      class Money {
        constructor(readonly cents: number) {}
      }
      const circular: Record<string, unknown> = { name: 'loop' };
      circular.self = circular;
      const refusals: [string, unknown, string][] = [
        ['a BigInt', 10n, 'ctx.order.total'],
        ['a function', () => 1, 'ctx.order.total'],
        ['a symbol', Symbol('s'), 'ctx.order.total'],
        ['NaN', Number.NaN, 'ctx.order.total'],
        ['Infinity', Number.POSITIVE_INFINITY, 'ctx.order.total'],
        ['a class instance', new Money(5), 'ctx.order.total'],
        ['a Map', new Map([['a', 1]]), 'ctx.order.total'],
        ['a circular reference', circular, 'ctx.order.total.self'],
        ['undefined in an array', [1, undefined], 'ctx.order.total[1]'],
        ['an invalid Date', new Date('nope'), 'ctx.order.total'],
      ];
      it.each(refusals)(
        'refuses %s, naming its path, and writes nothing',
        async (_kind, value, path) => {
          const execution = newExecution({ workflowId, ctx: { order: { total: value } } });
          const error = await store.save(execution).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(UnserializableValueError);
          expect((error as Error).message).toContain(execution.id);
          expect((error as UnserializableValueError).path).toBe(path);
          expect(await store.load(execution.id)).toBeNull();

          const existing = await saved({ ctx: { order: { total: 1 } } });
          const entry = newEntry(existing, 'step');
          await expect(
            store.checkpoint({ ...existing, ctx: { order: { total: value } } }, [entry]),
          ).rejects.toBeInstanceOf(UnserializableValueError);
          expect(await store.load(existing.id)).toMatchObject({
            revision: 1,
            ctx: { order: { total: 1 } },
          });
          expect(await store.entries(existing.id)).toEqual([]);
        },
      );

      it('refuses non-JSON values in entries, naming the step', async () => {
        const execution = await saved();
        const entry = newEntry(execution, 'charge', { output: { amount: 5n } });
        await expect(store.checkpoint(execution, [entry])).rejects.toThrow(
          /charge\)\.output\.amount/,
        );
        await expect(store.record(entry)).rejects.toBeInstanceOf(UnserializableValueError);
        expect(await store.entries(execution.id)).toEqual([]);
      });

      it('refuses an unknown status', async () => {
        const execution = newExecution({ workflowId, status: 'paused' as never });
        await expect(store.save(execution)).rejects.toThrow(/status "paused" is not one of/);
      });

      it('reports stored data that does not read back as a StoreError naming it', async () => {
        const execution = await saved();
        await harness.corrupt(execution.id);
        const error = await store.load(execution.id).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreError);
        expect((error as Error).message).toContain(execution.id);
        expect(await store.delete(execution.id)).toBe(true);
      });

      it('leaves a record that does not read back out of lists and counts', async () => {
        const workflowId = `corrupt-${randomUUID()}`;
        const [bad, good] = await Promise.all([
          saved({ workflowId, status: 'pending' }),
          saved({ workflowId, status: 'pending' }),
        ]);
        await harness.corrupt(bad.id);
        await expect(store.load(bad.id)).rejects.toBeInstanceOf(CorruptRecordError);
        expect((await store.find({ workflowId })).map((e) => e.id)).toEqual([good.id]);
        const claimable = (await store.findClaimable({ limit: 1000 })).map((e) => e.id);
        expect(claimable).toContain(good.id);
        expect(claimable).not.toContain(bad.id);
        expect(Array.isArray(await store.countExecutions())).toBe(true);
        await store.delete(bad.id);
      });
    });

    describe('entries', () => {
      it('keeps the trail oldest first, even within one millisecond', async () => {
        const execution = await saved();
        const at = new Date();
        const steps = Array.from({ length: 12 }, (_, i) => `step-${i}`);
        for (const step of steps) await store.record(newEntry(execution, step, { timestamp: at }));
        const trail = await store.entries(execution.id);
        expect(trail.map((e) => e.stepId)).toEqual(steps);
        expect(trail[0].timestamp.toISOString()).toBe(at.toISOString());
      });

      it('round-trips every entry field, including an error with its cause chain', async () => {
        const execution = await saved();
        const failure = new Error('charge declined', {
          cause: Object.assign(new TypeError('card expired'), { code: 'E_CARD' }),
        });
        const entry = newEntry(execution, 'charge', {
          stepType: 'call',
          action: 'failed',
          durationMs: 1234,
          input: { amount: 10 },
          output: null,
          error: serializeError(failure),
        });
        await store.record(entry);
        const [stored] = await store.entries(execution.id);
        expect(stored).toEqual(entry);
        const revived = deserializeError(stored.error as string);
        expect(revived).toMatchObject({
          name: 'Error',
          message: 'charge declined',
          cause: { name: 'TypeError', message: 'card expired', code: 'E_CARD' },
        });
      });

      it('is empty for an unknown execution, and recording to one fails', async () => {
        const ghost = newExecution();
        expect(await store.entries(ghost.id)).toEqual([]);
        await expect(store.record(newEntry(ghost, 'x'))).rejects.toBeInstanceOf(
          ExecutionNotFoundError,
        );
      });
    });

    describe('checkpoint', () => {
      it('saves the execution and appends its entries together', async () => {
        const created = await saved();
        const first = newEntry(created, 'a');
        const second = newEntry(created, 'b');
        const after = await store.checkpoint({ ...created, currentStep: 'b', ctx: { a: 1 } }, [
          first,
          second,
        ]);
        expect(after.revision).toBe(2);
        expect(await store.load(created.id)).toMatchObject({ currentStep: 'b', ctx: { a: 1 } });
        expect((await store.entries(created.id)).map((e) => e.id)).toEqual([first.id, second.id]);
        const third = newEntry(created, 'c');
        await store.checkpoint({ ...after, currentStep: 'c' }, [third]);
        expect((await store.entries(created.id)).map((e) => e.stepId)).toEqual(['a', 'b', 'c']);
      });

      it('creates a new execution together with its first entries', async () => {
        const execution = newExecution({ workflowId });
        const entry = newEntry(execution, 'start');
        const stored = await store.checkpoint(execution, [entry]);
        expect(stored.revision).toBe(1);
        expect(await store.entries(execution.id)).toEqual([entry]);
      });

      it('appends nothing when the execution write is refused', async () => {
        const created = await saved();
        await store.save(created);
        await expect(store.checkpoint(created, [newEntry(created, 'late')])).rejects.toBeInstanceOf(
          ConcurrentUpdateError,
        );
        expect(await store.entries(created.id)).toEqual([]);
      });

      it('leaves nothing visible when its second half fails', async () => {
        const created = await saved({ ctx: { before: true } });
        const existing = newEntry(created, 'first');
        const current = await store.checkpoint(created, [existing]);
        const broken = await harness.breakSecondHalf(current, existing);
        await expect(
          store.checkpoint(
            { ...current, ctx: { after: true }, currentStep: 'next' },
            broken.entries,
          ),
        ).rejects.toBeInstanceOf(StoreError);
        await broken.repair();
        expect(await store.load(created.id)).toMatchObject({
          ctx: { before: true },
          revision: current.revision,
        });
        expect((await store.entries(created.id)).map((e) => e.id)).toEqual([existing.id]);
      });

      it('refuses entries of another execution', async () => {
        const one = await saved();
        const other = newExecution();
        await expect(store.checkpoint(one, [newEntry(other, 'x')])).rejects.toThrow(
          /belongs to execution/,
        );
      });
    });

    describeCheckpointsInParts(
      () => store,
      () => workflowId,
    );

    describe('find and executionIds', () => {
      it('lists newest first, filters by workflow and by typed status', async () => {
        const times = createdAtSeries(4);
        const [a, b, c, d] = await Promise.all([
          saved({ createdAt: times[0], status: 'halted' }),
          saved({ createdAt: times[1], status: 'completed' }),
          saved({ createdAt: times[2], status: 'halted' }),
          store.save(
            newExecution({
              workflowId: `${workflowId}-other`,
              createdAt: times[3],
              status: 'halted',
            }),
          ),
        ]);
        expect((await store.find({ workflowId })).map((e) => e.id)).toEqual([c.id, b.id, a.id]);
        expect((await store.find({ workflowId, status: 'halted' })).map((e) => e.id)).toEqual([
          c.id,
          a.id,
        ]);
        const halted = (await store.find({ status: 'halted', limit: 1000 })).map((e) => e.id);
        expect(halted).toEqual(expect.arrayContaining([a.id, c.id, d.id]));
        expect(halted).not.toContain(b.id);
        expect((await store.find({ workflowId, limit: 2 })).map((e) => e.id)).toEqual([c.id, b.id]);

        await store.save({ ...a, status: 'completed' });
        expect((await store.find({ workflowId, status: 'halted' })).map((e) => e.id)).toEqual([
          c.id,
        ]);
        expect((await store.find({ workflowId, status: 'completed' })).map((e) => e.id)).toEqual([
          b.id,
          a.id,
        ]);
        await store.delete(d.id);
      });

      it('returns at most 100 by default, and at most 1000 ids by default', async () => {
        const times = createdAtSeries(1005);
        for (let i = 0; i < times.length; i += 50) {
          await Promise.all(times.slice(i, i + 50).map((createdAt) => saved({ createdAt })));
        }
        const newest = await store.find({ workflowId });
        expect(newest).toHaveLength(100);
        expect(newest[0].createdAt.getTime()).toBe(times[1004].getTime());
        const ids = await store.executionIds({ workflowId });
        expect(ids).toHaveLength(1000);
        expect(new Set(ids).size).toBe(1000);
        expect(await store.executionIds({ workflowId, limit: 7 })).toHaveLength(7);
        const everything = await store.executionIds({ limit: 5000 });
        expect(everything).toEqual(expect.arrayContaining(ids));
        await Promise.all(
          (await store.executionIds({ workflowId, limit: 2000 })).map((id) => store.delete(id)),
        );
        expect(await store.executionIds({ workflowId })).toEqual([]);
      });

      it('counts every execution by workflow and status, beyond what find lists', async () => {
        const other = `${workflowId}-b`;
        const mine = (counts: { workflowId: string }[]) =>
          counts.filter((c) => c.workflowId === workflowId || c.workflowId === other);
        const halted = await Promise.all(
          Array.from({ length: 120 }, () => saved({ status: 'halted' })),
        );
        await Promise.all([
          saved({ status: 'failed' }),
          saved({ status: 'failed' }),
          store.save(newExecution({ workflowId: other, status: 'running' })),
        ]);
        expect(mine(await store.countExecutions())).toEqual([
          { workflowId, status: 'failed', count: 2 },
          { workflowId, status: 'halted', count: 120 },
          { workflowId: other, status: 'running', count: 1 },
        ]);

        await store.save({ ...halted[0], status: 'completed' });
        await store.delete(halted[1].id);
        expect(mine(await store.countExecutions())).toEqual([
          { workflowId, status: 'completed', count: 1 },
          { workflowId, status: 'failed', count: 2 },
          { workflowId, status: 'halted', count: 118 },
          { workflowId: other, status: 'running', count: 1 },
        ]);

        const ids = [
          ...(await store.executionIds({ workflowId, limit: 1000 })),
          ...(await store.executionIds({ workflowId: other })),
        ];
        await Promise.all(ids.map((id) => store.delete(id)));
        expect(mine(await store.countExecutions())).toEqual([]);
      });

      it('pages through every execution with before, ties in one millisecond included', async () => {
        const times = createdAtSeries(60);
        const tied = times[30];
        await Promise.all([
          ...times.map((createdAt, i) => saved({ createdAt, status: i % 3 ? 'halted' : 'failed' })),
          ...Array.from({ length: 25 }, (_, i) =>
            saved({ createdAt: tied, status: i % 3 ? 'halted' : 'failed' }),
          ),
        ]);
        const pages = async (query: { status?: 'halted' }) => {
          const ids: string[] = [];
          let before: string | undefined;
          for (let page = 0; page < 100; page++) {
            const found = await store.find({ workflowId, ...query, limit: 7, before });
            if (found.length === 0) return ids;
            ids.push(...found.map((e) => e.id));
            before = found[found.length - 1].id;
          }
          throw new Error('paging did not end');
        };
        const everything = (await store.find({ workflowId, limit: 1000 })).map((e) => e.id);
        expect(everything).toHaveLength(85);
        expect(await pages({})).toEqual(everything);
        const halted = (await store.find({ workflowId, status: 'halted', limit: 1000 })).map(
          (e) => e.id,
        );
        expect(await pages({ status: 'halted' })).toEqual(halted);

        // A cursor whose execution left the filtered status still marks the place.
        const first = await store.find({ workflowId, status: 'halted', limit: 5 });
        const cursor = first[4];
        await store.save({ ...cursor, status: 'completed' });
        const next = await store.find({
          workflowId,
          status: 'halted',
          limit: 5,
          before: cursor.id,
        });
        expect(next.map((e) => e.id)).toEqual(halted.slice(5, 10));
      });

      it('refuses a before that names no execution', async () => {
        const gone = await saved();
        await store.delete(gone.id);
        await expect(store.find({ workflowId, before: gone.id })).rejects.toThrow(
          /before names execution .* which does not exist/,
        );
        await expect(store.find({ before: 'not-an-id' })).rejects.toThrow(/does not exist/);
      });

      it('refuses a limit that is not a positive whole number', async () => {
        await expect(store.find({ limit: 0 })).rejects.toThrow(/limit must be a positive/);
        await expect(store.executionIds({ limit: 1.5 })).rejects.toThrow(
          /limit must be a positive/,
        );
      });
    });

    describe('deleteFinished', () => {
      it('removes old finished executions with their entries, oldest first, and nothing else', async () => {
        const times = createdAtSeries(8);
        const cutoff = new Date(times[6].getTime() - 1);
        const statuses = [
          'completed',
          'failed',
          'cancelled',
          'halted',
          'running',
          'pending',
        ] as const;
        // Old ones in every status (times 0-5), and two recent finished ones (times 6-7).
        const old = await Promise.all(
          statuses.map((status, i) => saved({ status, createdAt: times[i] })),
        );
        const recent = await Promise.all([
          saved({ status: 'completed', createdAt: times[6] }),
          saved({ status: 'failed', createdAt: times[7] }),
        ]);
        await store.checkpoint(old[0], [newEntry(old[0], 'kept-until-deleted')]);
        const ours = async () => (await store.find({ workflowId, limit: 1000 })).map((e) => e.id);

        // Other tests' finished executions may be older still: delete until ours are gone.
        let deleted = 0;
        while ((await ours()).includes(old[0].id) || (await ours()).includes(old[2].id)) {
          const batch = await store.deleteFinished({ createdBefore: cutoff, limit: 1 });
          expect(batch).toBeLessThanOrEqual(1);
          if (batch === 0) break;
          deleted += batch;
        }
        expect(deleted).toBeGreaterThanOrEqual(3);
        expect((await ours()).sort()).toEqual(
          [old[3].id, old[4].id, old[5].id, recent[0].id, recent[1].id].sort(),
        );
        expect(await store.entries(old[0].id)).toEqual([]);
        expect(await store.load(old[1].id)).toBeNull();
        // Whatever else is old and finished goes too; ours that are not stay.
        while ((await store.deleteFinished({ createdBefore: cutoff })) > 0);
        expect(await store.deleteFinished({ createdBefore: cutoff })).toBe(0);
        expect(await ours()).toHaveLength(5);
        await expect(store.deleteFinished({ createdBefore: new Date('nope') })).rejects.toThrow(
          /createdBefore must be a valid Date/,
        );
      });
    });

    describe('delete', () => {
      it('removes the execution and its entries, and says false for an unknown id', async () => {
        const execution = await saved();
        await store.checkpoint(execution, [newEntry(execution, 'a'), newEntry(execution, 'b')]);
        expect(await store.delete(execution.id)).toBe(true);
        expect(await store.load(execution.id)).toBeNull();
        expect(await store.entries(execution.id)).toEqual([]);
        expect(await store.find({ workflowId })).toEqual([]);
        expect(await store.executionIds({ workflowId })).toEqual([]);
        expect(await store.delete(execution.id)).toBe(false);
      });
    });

    describe('claims', () => {
      it('lets exactly one of several concurrent claimers win', async () => {
        const execution = await saved();
        const claims = await Promise.all(
          Array.from({ length: 8 }, (_, i) => store.claim(execution.id, `worker-${i}`, 10_000)),
        );
        expect(claims.filter((c) => c !== null)).toHaveLength(1);
      });

      it("gives up its owner's lease in the checkpoint that asks, and only that owner's", async () => {
        const execution = await saved();
        const claimed = (await store.claim(execution.id, 'w1', 60_000))!;
        const kept = await store.checkpoint({ ...claimed, status: 'halted' }, [], {
          releaseLeaseOf: 'someone-else',
        });
        expect(await store.claim(execution.id, 'w2', 10_000)).toBeNull();
        const released = await store.checkpoint(
          { ...kept, status: 'completed' },
          [newEntry(kept, 'done')],
          { releaseLeaseOf: 'w1' },
        );
        expect(released.revision).toBe(kept.revision! + 1);
        expect(await store.claim(execution.id, 'w2', 10_000)).not.toBeNull();
        expect(await store.entries(execution.id)).toHaveLength(1);
      });

      it('takes the lease with a checkpoint, refused while another owner holds a live one', async () => {
        const execution = await saved();
        const first = await store.checkpoint({ ...execution, status: 'running' }, [], {
          claimLeaseFor: { owner: 'w1', ttlMs: 60_000 },
        });
        expect(first.revision).toBe(execution.revision! + 1);
        expect(await store.claim(execution.id, 'w2', 10_000)).toBeNull();
        expect(await store.extendClaim(execution.id, 'w1', 10_000)).toBe(true);
        // A copy from before that checkpoint is fenced off, and so is another owner's claim on it.
        await expect(
          store.checkpoint({ ...execution, status: 'running' }, [], {
            claimLeaseFor: { owner: 'w2', ttlMs: 60_000 },
          }),
        ).rejects.toBeInstanceOf(ConcurrentUpdateError);
        await expect(
          store.checkpoint({ ...first, status: 'running' }, [newEntry(first, 'x')], {
            claimLeaseFor: { owner: 'w2', ttlMs: 60_000 },
          }),
        ).rejects.toBeInstanceOf(ConcurrentUpdateError);
        expect(await store.entries(execution.id)).toHaveLength(0);
        // Its own owner may claim again, and a write that claims and releases leaves no lease.
        const ended = await store.checkpoint({ ...first, status: 'completed' }, [], {
          claimLeaseFor: { owner: 'w1', ttlMs: 60_000 },
          releaseLeaseOf: 'w1',
        });
        expect(ended.status).toBe('completed');
        expect(await store.claim(execution.id, 'w2', 10_000)).not.toBeNull();
      });

      it("takes an expired lease with a checkpoint, and refuses a claim of a new one's insert", async () => {
        const execution = await saved();
        expect(await store.claim(execution.id, 'crashed', 300)).not.toBeNull();
        const stored = (await store.load(execution.id))!;
        await sleep(500);
        const rescued = await store.checkpoint(stored, [], {
          claimLeaseFor: { owner: 'rescuer', ttlMs: 60_000 },
        });
        expect(rescued.revision).toBe(stored.revision! + 1);
        expect(await store.extendClaim(execution.id, 'crashed', 10_000)).toBe(false);
        expect(await store.extendClaim(execution.id, 'rescuer', 10_000)).toBe(true);
        const fresh = { ...execution, id: randomUUID(), revision: undefined };
        await expect(
          store.checkpoint(fresh, [], { claimLeaseFor: { owner: 'w1', ttlMs: 60_000 } }),
        ).rejects.toBeInstanceOf(RejectedValueError);
        expect(await store.load(fresh.id)).toBeNull();
      });

      it('fences copies loaded before the claim and keeps others out until release', async () => {
        const execution = await saved();
        const claimed = await store.claim(execution.id, 'w1', 10_000);
        expect(claimed?.revision).toBe(execution.revision! + 1);
        await expect(store.save(execution)).rejects.toBeInstanceOf(ConcurrentUpdateError);
        expect(await store.claim(execution.id, 'w2', 10_000)).toBeNull();
        expect(await store.claim(execution.id, 'w1', 10_000)).not.toBeNull();
        expect(await store.extendClaim(execution.id, 'w2', 10_000)).toBe(false);
        expect(await store.extendClaim(execution.id, 'w1', 10_000)).toBe(true);
        expect(await store.releaseClaim(execution.id, 'w2')).toBe(false);
        expect(await store.releaseClaim(execution.id, 'w1')).toBe(true);
        expect(await store.claim(execution.id, 'w2', 10_000)).not.toBeNull();
      });

      it('lets another worker claim once the lease expires', async () => {
        const execution = await saved();
        expect(await store.claim(execution.id, 'crashed', 800)).not.toBeNull();
        expect(await store.claim(execution.id, 'rescuer', 10_000)).toBeNull();
        await sleep(1000);
        expect(await store.extendClaim(execution.id, 'crashed', 10_000)).toBe(false);
        const rescued = await store.claim(execution.id, 'rescuer', 10_000);
        expect(rescued?.id).toBe(execution.id);
      });

      it('returns null when claiming an unknown execution', async () => {
        expect(await store.claim(newExecution().id, 'w', 1000)).toBeNull();
      });

      it('finds pending and running executions without a live lease, then halted ones whose lease was lost', async () => {
        const times = createdAtSeries(9, Date.now() - 10 * 365 * 24 * 3600 * 1000);
        const [pending, running, leased, expired, halted, completed, lost, released, answered] =
          await Promise.all([
            saved({ createdAt: times[0], status: 'pending' }),
            saved({ createdAt: times[1], status: 'running' }),
            saved({ createdAt: times[2], status: 'running' }),
            saved({ createdAt: times[3], status: 'running' }),
            saved({ createdAt: times[4], status: 'halted' }),
            saved({ createdAt: times[5], status: 'completed' }),
            saved({ createdAt: times[6], status: 'halted' }),
            saved({ createdAt: times[7], status: 'halted' }),
            saved({ createdAt: times[8], status: 'halted' }),
          ]);
        await store.claim(leased.id, 'alive', 60_000);
        await store.claim(expired.id, 'dead', 300);
        // Halted ones: a lease lost with its worker, one released, one given up by a checkpoint.
        await store.claim(lost.id, 'dead', 300);
        await store.claim(released.id, 'done', 300);
        await store.releaseClaim(released.id, 'done');
        const claimed = await store.claim(answered.id, 'done', 300);
        await store.checkpoint({ ...claimed!, status: 'completed' }, [], {
          releaseLeaseOf: 'done',
        });
        await sleep(600);
        const all = [
          pending,
          running,
          leased,
          expired,
          halted,
          completed,
          lost,
          released,
          answered,
        ];
        const claimable = (await store.findClaimable({ limit: 1000 })).map((e) => e.id);
        const ours = claimable.filter((id) => all.some((e) => e.id === id));
        expect(ours).toEqual([pending.id, running.id, expired.id, lost.id]);
        expect(await store.findClaimable({ limit: 1 })).toHaveLength(1);
      });

      it('finds halted executions whose timer is due and no live lease holds, earliest due first', async () => {
        const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
        const halted = (haltData: Record<string, unknown>) =>
          saved({ status: 'halted', currentStep: 'nap', haltData });
        const [waitDue, approvalDue, later, person, leased, lapsed, moved] = await Promise.all([
          halted({ type: 'wait', resume_at: at(-30) }),
          halted({ type: 'approval', expires_at: at(-60) }),
          halted({ type: 'wait', resume_at: at(30) }),
          halted({ type: 'approval' }),
          halted({ type: 'wait', resume_at: at(-20) }),
          halted({ type: 'wait', resume_at: at(-10) }),
          halted({ type: 'wait', resume_at: at(-5) }),
        ]);
        await store.claim(leased.id, 'alive', 60_000);
        await store.claim(lapsed.id, 'dead', 300);
        await store.save({ ...moved, status: 'running', haltData: null });
        await sleep(600);
        const ours = [waitDue, approvalDue, later, person, leased, lapsed, moved].map((e) => e.id);
        const due = (await store.findDueTimers!({ dueBefore: new Date(), limit: 1000 }))
          .map((e) => e.id)
          .filter((id) => ours.includes(id));
        expect(due).toEqual([approvalDue.id, waitDue.id, lapsed.id]);
        const earlier = (
          await store.findDueTimers!({ dueBefore: new Date(Date.now() - 45 * 60_000) })
        ).map((e) => e.id);
        expect(earlier).toContain(approvalDue.id);
        expect(earlier).not.toContain(waitDue.id);
        await expect(store.findDueTimers!({ dueBefore: new Date(NaN) })).rejects.toThrow(
          /dueBefore must be a valid Date/,
        );
      });

      it('refuses a lease duration that is not a positive whole number', async () => {
        const execution = await saved();
        await expect(store.claim(execution.id, 'w', 0)).rejects.toThrow(/ttlMs must be/);
      });
    });
  });
}
