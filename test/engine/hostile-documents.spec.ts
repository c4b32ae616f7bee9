import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowRegistry, loadWorkflow } from '../../src/engine';
import type { DocumentLimits } from '../../src/core/definition/document-limits';
import type { AssignStep } from '../../src/core/definition/definition-types';
import { SetOnEveryPath } from '../../src/core/definition/set-on-every-path';
import { edgesOf, variablesSetBy, type Edge } from '../../src/core/definition/step-graph';
import { validationProblems } from '../support/validation-problems';

function problemsOf(document: unknown, limits?: Partial<DocumentLimits>): string[] {
  return validationProblems(() =>
    loadWorkflow(document as Record<string, unknown>, undefined, limits),
  );
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
  const raised = { maxSteps: 100_000 };

  // Before, 6,000 steps took 15 to 34 s and 580 to 700 MB (one set of names was copied per step)
  // and 50,000 exhausted memory.
  it('copes with 50,000 steps, which used to exhaust memory, when the limit allows them', () => {
    expect(problemsOf(chain(50_000), raised)).toEqual([]);
  }, 60_000);

  it('still finds a read that one path leaves unset, deep in a large document', () => {
    const document = chain(6000);
    document.steps[2999] = {
      id: 's2999',
      type: 'assign',
      set: { v2999: 1 },
      next: 's3001',
      on_error: 's3000',
    } as (typeof document.steps)[number];
    expect(problemsOf(document, raised)).toEqual([
      'step "s3000": reads $v2999, which is not set on every path leading to this step',
      'step "s3001": reads $v3000, which is not set on every path leading to this step',
    ]);
  });
});

describe('parsing YAML', () => {
  const withResult = (result: string) =>
    `id: w\nname: W\nsteps:\n  - id: a\n    type: end\n    result: ${result}\n`;

  it('finds repeated keys with one lookup per key', () => {
    // The YAML library's own check compared every pair of keys: 20,000 keys took 8 s, so these
    // 100,000 would take over three minutes and outlast the test's time; one lookup per key
    // takes a few seconds.
    const keys = Array.from({ length: 100_000 }, (_, i) => `k${i}: 1`).join(', ');
    expect(
      loadWorkflow(withResult(`{ ${keys} }`), undefined, { maxDocumentBytes: 2_000_000 }).id,
    ).toBe('w');
  });

  it('refuses a repeated key, also when only its type differs, saying where', () => {
    expect(() => loadWorkflow(withResult('{ a: 1, b: 2, a: 3 }'))).toThrow(
      /Map keys must be unique: "a" again at line 6, column 27/,
    );
    expect(() => loadWorkflow(withResult('{ 1: a, "1": b }'))).toThrow(/"1" again/);
    expect(() => loadWorkflow('id: w\nname: W\nsteps: []\nname: V\n')).toThrow(
      /"name" again at line 4, column 1/,
    );
    expect(() => loadWorkflow(withResult('{ [x]: 1 }'))).toThrow(/Map keys must be plain text/);
  });
});

/** Loops inside one another, `depth` levels of bodies below the top. */
function nestedLoops(depth: number) {
  let body: unknown[] = [{ id: 'leaf', type: 'assign', set: { y: 1 } }];
  for (let i = depth; i >= 1; i--) body = [{ id: `l${i}`, type: 'loop', over: [1], do: body }];
  return { id: 'nested', name: 'Nested', steps: body };
}

describe('document limits', () => {
  it('refuse more steps than maxSteps, before reading them, unless raised', () => {
    expect(problemsOf(chain(1000))).toEqual([]);
    // Every step has a key no step may have: read, each would be a problem of its own.
    const huge = chain(50_000);
    for (const step of huge.steps as Record<string, unknown>[]) step.unknown_key = true;
    expect(problemsOf(huge)).toEqual([
      'workflow "long": 50,000 steps, more than the limit of 1,000 (maxSteps)',
    ]);
    expect(problemsOf(chain(1001), { maxSteps: 2000 })).toEqual([]);
  });

  it('count the steps of loop bodies and parallel branches', () => {
    const body = chain(600).steps;
    const document = {
      id: 'wide',
      name: 'Wide',
      steps: [
        { id: 'fan', type: 'parallel', branches: [body.slice(0, 300), body.slice(300)] },
        {
          id: 'again',
          type: 'loop',
          over: [1],
          do: chain(500).steps.map((step) => ({ ...step, id: `x${step.id}` })),
        },
      ],
    };
    expect(problemsOf(document)).toEqual([
      'workflow "wide": 1,102 steps, more than the limit of 1,000 (maxSteps)',
    ]);
  });

  it('refuse bodies nested deeper than maxBodyDepth, naming the step', () => {
    expect(problemsOf(nestedLoops(10))).toEqual([]);
    expect(problemsOf(nestedLoops(11))).toEqual([
      'step "l11": its body makes 11 levels of nested bodies, more than the limit of 10 (maxBodyDepth)',
    ]);
  });

  it('refuse maps and lists nested deeper than maxValueDepth instead of overflowing the stack', () => {
    let value: unknown = 1;
    for (let i = 0; i < 100_000; i++) value = [value];
    const problems = problemsOf({
      id: 'deep',
      name: 'Deep',
      steps: [{ id: 'a', type: 'assign', set: { x: value } }],
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /^workflow "deep": 65 levels of maps and lists, more than the limit of 64 \(maxValueDepth\) at steps\[0\]\.set\.x\[0\]/,
      ),
    ]);
    expect(problemsOf(nestedLoops(5000))).toEqual([
      expect.stringMatching(/^step "l11": its body makes 11 levels .* \(maxBodyDepth\)$/),
      expect.stringMatching(/^workflow "nested": 65 levels .* \(maxValueDepth\) at steps\[0\]\.do/),
    ]);
  });

  it('refuse a loop whose max is above maxLoopIterations', () => {
    const loop = (max: number) => ({
      id: 'poll',
      name: 'Poll',
      steps: [
        {
          id: 'again',
          type: 'loop',
          while: { field: 'more', op: 'truthy' },
          max,
          do: [{ id: 'check', type: 'assign', set: { more: true } }],
        },
      ],
    });
    expect(problemsOf(loop(10_000))).toEqual([]);
    expect(problemsOf(loop(1_000_000))).toEqual([
      'step "again": "max" is 1,000,000 iterations, more than the limit of 10,000 (maxLoopIterations)',
    ]);
    expect(problemsOf(loop(1_000_000), { maxLoopIterations: 1_000_000 })).toEqual([]);
  });

  it('refuse YAML text and files larger than maxDocumentBytes', () => {
    const padding = `# ${'x'.repeat(512 * 1024)}\n`;
    const text = `${padding}id: big\nname: Big\nsteps:\n  - { id: a, type: end }\n`;
    expect(() => loadWorkflow(text)).toThrow(
      /Workflow YAML text is invalid:\n {2}- is 524,3\d\d bytes, more than the limit of 524,288 \(maxDocumentBytes\)/,
    );
    expect(loadWorkflow(text, undefined, { maxDocumentBytes: 1024 * 1024 }).id).toBe('big');
    const dir = mkdtempSync(join(tmpdir(), 'dw-limits-'));
    try {
      const file = join(dir, 'big.yml');
      writeFileSync(file, text);
      expect(() => loadWorkflow(file)).toThrow(
        /Workflow file .*big\.yml is invalid:\n {2}- is 524,3\d\d bytes, more than the limit/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('are applied by a registry to every workflow it loads', () => {
    expect(() => new WorkflowRegistry(undefined, { maxSteps: 10 }).register(chain(11))).toThrow(
      /11 steps, more than the limit of 10 \(maxSteps\)/,
    );
    expect(new WorkflowRegistry(undefined, { maxSteps: 11 }).register(chain(11)).id).toBe('long');
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
          variablesSetBy,
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
