import {
  ConcurrentUpdateError,
  type CheckpointChanges,
  type DurableWorkflowStore,
  type Execution,
  type LoopChange,
} from '../../src';
import type { RuntimeFrame } from '../../src/core/types';
import { newEntry, newExecution } from './fixtures';

type LoopFrame = RuntimeFrame & { type: 'loop' };

const loop = (stepId: string, items: unknown[] | null, results: unknown[]): LoopFrame => ({
  type: 'loop',
  stepId,
  items,
  index: results.length,
  results,
  last: null,
});

const runtimeWith = (...frames: RuntimeFrame[]) => ({ frames, response: null, approved: null });

const changes = (overrides: Partial<CheckpointChanges> = {}): CheckpointChanges => ({
  setVariables: [],
  removedVariables: [],
  loops: [],
  endedLoops: [],
  ...overrides,
});

const begun = (frame: number, stepId: string): LoopChange => ({
  frame,
  key: `${frame}:${stepId}`,
  appendFrom: 0,
  begun: true,
});

const appended = (frame: number, stepId: string, from: number): LoopChange => ({
  frame,
  key: `${frame}:${stepId}`,
  appendFrom: from,
  begun: false,
});

/**
 * Checkpoints written in parts (`CheckpointOptions.changes`): the store writes what they list, and
 * every read returns the whole execution.
 */
export function describeCheckpointsInParts(
  store: () => DurableWorkflowStore,
  workflowId: () => string,
): void {
  describe('checkpoints in parts', () => {
    const created = (overrides: Partial<Execution> = {}) =>
      store().save(newExecution({ workflowId: workflowId(), ...overrides }));
    const inParts = (execution: Execution, listed: Partial<CheckpointChanges>) =>
      store().checkpoint(execution, [newEntry(execution, 'step')], { changes: changes(listed) });

    it('takes the lease with a checkpoint in parts, refused while another owner holds it', async () => {
      const first = await created({ ctx: { n: 1 } });
      const claim = (owner: string) => ({ claimLeaseFor: { owner, ttlMs: 60_000 } });
      const running = { ...first, status: 'running' as const, ctx: { n: 2 } };
      const second = await store().checkpoint(running, [newEntry(first, 'one')], {
        changes: changes({ setVariables: ['n'] }),
        ...claim('w1'),
      });
      expect(await store().claim(first.id, 'w2', 10_000)).toBeNull();
      await expect(
        store().checkpoint({ ...second, ctx: { n: 3 } }, [newEntry(first, 'two')], {
          changes: changes({ setVariables: ['n'] }),
          ...claim('w2'),
        }),
      ).rejects.toBeInstanceOf(ConcurrentUpdateError);
      const stored = await store().load(first.id);
      expect(stored?.ctx).toEqual({ n: 2 });
      expect(await store().entries(first.id)).toHaveLength(1);
    });

    it('writes the variables listed and keeps the others as stored', async () => {
      const first = await created({ ctx: { kept: 'x', changed: 1 } });
      const second = await inParts(
        { ...first, ctx: { kept: 'not written', changed: 2, added: { deep: [1] } } },
        { setVariables: ['changed', 'added'] },
      );
      expect((await store().load(first.id))?.ctx).toEqual({
        kept: 'x',
        changed: 2,
        added: { deep: [1] },
      });
      expect(second.revision).toBe(first.revision! + 1);
      expect(await store().entries(first.id)).toHaveLength(1);
    });

    it('removes a variable whether it was written whole or in parts', async () => {
      const first = await created({ ctx: { whole: 1, other: true } });
      const second = await inParts(
        { ...first, ctx: { whole: 1, other: true, part: 2 } },
        { setVariables: ['part'] },
      );
      const third = await inParts(
        { ...second, ctx: { other: true } },
        { removedVariables: ['whole', 'part'] },
      );
      expect((await store().load(first.id))?.ctx).toEqual({ other: true });
      await inParts({ ...third, ctx: { other: true, part: 3 } }, { setVariables: ['part'] });
      expect((await store().load(first.id))?.ctx).toEqual({ other: true, part: 3 });
    });

    it('appends loop results across nested loops and forgets a loop that ended', async () => {
      const first = await created({ runtime: runtimeWith() });
      const outer = loop('outer', [1, 2], []);
      const withInner = {
        ...first,
        runtime: runtimeWith(outer, loop('inner', ['a', 'b'], ['1a'])),
      };
      const second = await inParts(withInner, {
        loops: [begun(0, 'outer'), begun(1, 'inner')],
      });
      expect((await store().load(first.id))?.runtime).toEqual(withInner.runtime);

      const innerDone = {
        ...second,
        runtime: runtimeWith(outer, loop('inner', ['a', 'b'], ['1a', '1b'])),
      };
      const third = await inParts(innerDone, {
        loops: [appended(0, 'outer', 0), appended(1, 'inner', 1)],
      });
      expect((await store().load(first.id))?.runtime).toEqual(innerDone.runtime);

      const outerNext = { ...third, runtime: runtimeWith(loop('outer', [1, 2], [['1a', '1b']])) };
      const fourth = await inParts(outerNext, {
        loops: [appended(0, 'outer', 0)],
        endedLoops: ['1:inner'],
      });
      expect((await store().load(first.id))?.runtime).toEqual(outerNext.runtime);

      // The inner loop begins again, with other items: nothing of its last run shows.
      const again = {
        ...fourth,
        runtime: runtimeWith(loop('outer', [1, 2], [['1a', '1b']]), loop('inner', ['c'], [])),
      };
      await inParts(again, { loops: [appended(0, 'outer', 1), begun(1, 'inner')] });
      expect((await store().load(first.id))?.runtime).toEqual(again.runtime);
    });

    it('appends $history items', async () => {
      const item = (step: string) => ({ step, type: 'assign', output: { step } });
      const first = await created({ runtime: { ...runtimeWith(), history: [item('a')] } });
      const second = await inParts(
        { ...first, runtime: { ...runtimeWith(), history: [item('a'), item('b')] } },
        { history: { appendFrom: 0, begun: true } },
      );
      const third = {
        ...second,
        runtime: { ...runtimeWith(), history: [item('a'), item('b'), item('c')] },
      };
      await inParts(third, { history: { appendFrom: 2, begun: false } });
      expect((await store().load(first.id))?.runtime).toEqual(third.runtime);
    });

    it('returns whole executions from find, claim and findClaimable', async () => {
      const first = await created({ ctx: { a: 1 }, runtime: runtimeWith() });
      const whole = {
        ...first,
        ctx: { a: 1, b: 2 },
        runtime: runtimeWith(loop('each', [1, 2, 3], [10])),
      };
      await inParts(whole, { setVariables: ['b'], loops: [begun(0, 'each')] });
      const expected = { ctx: whole.ctx, runtime: whole.runtime };
      const [found] = await store().find({ workflowId: workflowId() });
      expect(found).toMatchObject(expected);
      expect(await store().claim(first.id, 'w', 60_000)).toMatchObject(expected);
      await store().releaseClaim(first.id, 'w');
      const claimable = await store().findClaimable({ limit: 1000 });
      expect(claimable.find((e) => e.id === first.id)).toMatchObject(expected);
    });

    it('leaves no parts behind a whole save', async () => {
      const first = await created({ ctx: { a: 1 }, runtime: runtimeWith() });
      const second = await inParts(
        { ...first, ctx: { a: 1, b: 2 }, runtime: runtimeWith(loop('each', [1, 2], [10])) },
        { setVariables: ['b'], loops: [begun(0, 'each')] },
      );
      const replaced = { ...second, ctx: { c: 3 }, runtime: runtimeWith(loop('each', [7], [])) };
      const saved = await store().save(replaced);
      expect(await store().load(first.id)).toEqual({ ...replaced, ...revisionOf(saved) });
    });

    it('removes the parts with the execution', async () => {
      const first = await created({ ctx: {}, runtime: runtimeWith() });
      await inParts(
        { ...first, ctx: { b: 2 }, runtime: runtimeWith(loop('each', [1], [10])) },
        { setVariables: ['b'], loops: [begun(0, 'each')] },
      );
      expect(await store().delete(first.id)).toBe(true);
      // The same id again: nothing of the deleted execution's parts joins it.
      const again = newExecution({
        id: first.id,
        workflowId: workflowId(),
        runtime: runtimeWith(),
      });
      const saved = await store().save(again);
      expect(await store().load(first.id)).toEqual({ ...again, ...revisionOf(saved) });
    });

    it('removes the parts of finished executions with them', async () => {
      const first = await created({ ctx: {}, createdAt: new Date(Date.now() - 60_000) });
      await inParts({ ...first, status: 'completed', ctx: { b: 2 } }, { setVariables: ['b'] });
      await store().deleteFinished({ createdBefore: new Date(Date.now() - 30_000), limit: 1000 });
      expect(await store().load(first.id)).toBeNull();
      const again = newExecution({ id: first.id, workflowId: workflowId() });
      const saved = await store().save(again);
      expect((await store().load(first.id))?.ctx).toEqual({});
      expect(saved.revision).toBe(1);
    });

    it('refuses a variable JSON cannot hold, naming it', async () => {
      const first = await created();
      await expect(
        inParts({ ...first, ctx: { bad: undefined } }, { setVariables: ['bad'] }),
      ).rejects.toThrow(/ctx\.bad/);
    });
  });
}

function revisionOf(saved: Execution): Pick<Execution, 'revision' | 'updatedAt'> {
  return { revision: saved.revision, updatedAt: saved.updatedAt };
}
