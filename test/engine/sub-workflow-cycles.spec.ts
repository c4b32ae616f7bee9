import { WorkflowRegistry } from '../../src/engine';
import { validationProblems } from '../support/validation-problems';

const runs = (id: string, ...children: string[]) => ({
  id,
  name: id,
  steps: children.length
    ? children.map((child, i) => ({
        id: `run_${child}`,
        type: 'workflow',
        workflow_id: child,
        ...(i < children.length - 1 ? { next: `run_${children[i + 1]}` } : {}),
      }))
    : [{ id: 'done', type: 'end' }],
});

function problemsOf(...workflows: ReturnType<typeof runs>[]): string[] {
  return validationProblems(() => new WorkflowRegistry().registerAll(workflows));
}

describe('sub-workflow cycles', () => {
  it('refuse a workflow that runs itself', () => {
    expect(problemsOf(runs('countdown', 'countdown'))).toEqual([
      expect.stringMatching(
        /^Workflow "countdown": sub-workflows form a cycle "countdown" \(step "run_countdown"\) → "countdown"; every execution would start another without end/,
      ),
    ]);
  });

  it('refuse a cycle through other workflows, naming its path once', () => {
    const problems = problemsOf(
      runs('a', 'leaf', 'b'),
      runs('b', 'c'),
      runs('c', 'a'),
      runs('leaf'),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(
      'cycle "a" (step "run_b") → "b" (step "run_c") → "c" (step "run_a") → "a"',
    );
  });

  it('count every registered version, since old executions resume on theirs', () => {
    const registry = new WorkflowRegistry();
    registry.registerAll([runs('a', 'b'), { ...runs('b'), version: '1' }]);
    expect(() => registry.registerAll([{ ...runs('b', 'a'), version: '2' }])).toThrow(
      /cycle "a" \(step "run_b"\) → "b" \(step "run_a"\) → "a"/,
    );
  });

  it('accept the same child run from several places, and chains without cycles', () => {
    expect(problemsOf(runs('a', 'b', 'c'), runs('b', 'c'), runs('c'))).toEqual([]);
    const chain = Array.from({ length: 5000 }, (_, i) =>
      i < 4999 ? runs(`w${i}`, `w${i + 1}`) : runs(`w${i}`),
    );
    expect(problemsOf(...chain)).toEqual([]);
  });
});
