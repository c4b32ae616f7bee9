import { loadWorkflow } from '../../src/engine';
import type { ReferenceScope } from '../../src/core/runtime/references';
import { applyTransform } from '../../src/core/runtime/transform';

const scope = (ctx: Record<string, unknown> = {}): ReferenceScope => ({
  input: {},
  ctx,
  now: () => '2026-01-01T00:00:00.000Z',
  response: null,
  approved: null,
});

/** Loads a one-step transform so the ops are parsed as a document would have them. */
function transform(value: unknown, expression: unknown[], ctx: Record<string, unknown> = {}) {
  const definition = loadWorkflow({
    id: 't',
    name: 'T',
    inputs: { value: { type: 'array', required: false } },
    steps: [{ id: 'x', type: 'transform', input: 'value', expression, output: 'out' }],
  });
  const step = definition.steps[0];
  if (step.type !== 'transform') throw new Error('expected a transform step');
  return applyTransform(value, step.expression, scope(ctx));
}

describe('uniq', () => {
  it('keeps the first of structurally equal items, whatever their key order', () => {
    const items = [{ a: 1, b: [1, { c: 2, d: 3 }] }, 'x', { b: [1, { d: 3, c: 2 }], a: 1 }, 'x', 1];
    expect(transform(items, ['uniq'])).toEqual([{ a: 1, b: [1, { c: 2, d: 3 }] }, 'x', 1]);
    expect(transform([1, '1', [1], { 1: 1 }, null, true, 'true'], ['uniq'])).toHaveLength(7);
    expect(transform([0, -0, 0], ['uniq'])).toEqual([0]);
  });

  it('handles thousands of objects in one pass', () => {
    // Comparing every pair took 11 s for 8,000 objects here and grew with the square of the
    // count: these 60,000 would take over six minutes and outlast the test's time.
    const items = Array.from({ length: 60_000 }, (_, i) => ({ id: i % 30_000, tags: ['a', 'b'] }));
    expect(transform(items, ['uniq'])).toHaveLength(30_000);
  });
});

describe('per-item ops', () => {
  it('do not copy a large context once per item', () => {
    // A copy of these 50,000 variables per item would be 2.5 billion property copies.
    const ctx = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`v${i}`, i]));
    const items = Array.from({ length: 50_000 }, (_, i) => ({ n: i }));
    const mapped = transform(items, [{ map: { n: '$item.n', at: '$index' } }], ctx);
    expect((mapped as unknown[])[49_999]).toEqual({ n: 49_999, at: 49_999 });
  });
});
