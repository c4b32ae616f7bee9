import fc from 'fast-check';
import { WorkflowValidationError, loadWorkflow } from '../../src';
import type { AssignStep } from '../../src/core/definition/definition-types';
import { SetOnEveryPath } from '../../src/core/definition/set-on-every-path';
import { edgesOf, type Edge } from '../../src/core/definition/step-graph';

function problemsOf(document: unknown): string[] {
  try {
    loadWorkflow(document as Record<string, unknown>);
  } catch (error) {
    if (error instanceof WorkflowValidationError) return [...error.problems];
    throw error;
  }
  return [];
}

/** A chain of `size` steps, each reading what the one before it set. */
function chain(size: number) {
  const steps = Array.from({ length: size }, (_, i) => ({
    id: `s${i}`,
    type: 'assign',
    set: { [`v${i}`]: i === 0 ? 1 : `$v${i - 1}` },
    ...(i < size - 1 ? { next: `s${i + 1}` } : {}),
  }));
  return { id: 'long', name: 'Long', steps };
}

describe('validating large documents', () => {
  it('takes time and memory in proportion to the size', () => {
    // Before, 6,000 steps took 15 to 34 s and 580 to 700 MB: one set of names was copied per step.
    const started = performance.now();
    expect(problemsOf(chain(6000))).toEqual([]);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('still finds a read that one path leaves unset, deep in a large document', () => {
    const document = chain(6000);
    document.steps[2999] = {
      id: 's2999',
      type: 'assign',
      set: { v2999: 1 },
      next: 's3001',
      on_error: 's3000',
    } as (typeof document.steps)[number];
    expect(problemsOf(document)).toEqual([
      'step "s3000": reads $v2999, which is not set on every path leading to this step',
      'step "s3001": reads $v3000, which is not set on every path leading to this step',
    ]);
  });
});

/** The set of names on every path, by the textbook fixed point, to compare answers with. */
function fixedPoint(steps: AssignStep[], edges: Edge[][]): (Set<string> | undefined)[] {
  const position = new Map(steps.map((step, i) => [step.id, i]));
  const before: (Set<string> | undefined)[] = steps.map(() => undefined);
  before[0] = new Set();
  for (let changed = true; changed;) {
    changed = false;
    steps.forEach((step, from) => {
      const inSet = before[from];
      if (!inSet) return;
      for (const edge of edges[from]) {
        const to = position.get(edge.target) as number;
        const out = new Set(inSet);
        if (edge.succeeded) Object.keys(step.set).forEach((name) => out.add(name));
        if (edge.error) out.add('_last_error');
        const current = before[to];
        const merged = current ? new Set([...current].filter((name) => out.has(name))) : out;
        if (!current || merged.size !== current.size) {
          before[to] = merged;
          changed = true;
        }
      }
    });
  }
  return before;
}

describe('the set-on-every-path analysis', () => {
  const names = ['a', 'b', 'c', '_last_error'];
  const graph = fc.integer({ min: 1, max: 7 }).chain((size) => {
    const target = fc.integer({ min: 0, max: size - 1 }).map((i) => `s${i}`);
    const step = fc.record({
      sets: fc.subarray(names.slice(0, 3)),
      next: fc.option(target, { nil: undefined }),
      on_error: fc.option(target, { nil: undefined }),
    });
    return fc.array(step, { minLength: size, maxLength: size });
  });

  it('answers as the fixed point does, on any graph', () => {
    fc.assert(
      fc.property(graph, (shape) => {
        const steps: AssignStep[] = shape.map((s, i) => ({
          id: `s${i}`,
          type: 'assign',
          set: Object.fromEntries(s.sets.map((name) => [name, 1])),
          next: s.next,
          on_error: s.on_error,
        }));
        const edges = steps.map((step) => edgesOf(step, null));
        const expected = fixedPoint(steps, edges);
        const analysis = new SetOnEveryPath(
          steps,
          edges,
          new Map(steps.map((step, i) => [step.id, i])),
          () => false,
        );
        steps.forEach((_, position) => {
          const reference = expected[position];
          if (!reference) return;
          for (const name of names) {
            expect([position, name, analysis.isSetBefore(position, name)]).toEqual([
              position,
              name,
              reference.has(name),
            ]);
          }
        });
      }),
      { numRuns: 500 },
    );
  });
});
