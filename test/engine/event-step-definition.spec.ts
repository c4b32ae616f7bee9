import { loadWorkflow } from '../../src/engine';
import { validationProblems } from '../support/validation-problems';

const problemsOf = (steps: unknown[]) =>
  validationProblems(() => loadWorkflow({ id: 'w', name: 'w', steps }));

describe('the event step in a document', () => {
  it('loads with its keys and defaults', () => {
    const definition = loadWorkflow({
      id: 'w',
      name: 'w',
      inputs: { orderId: { type: 'string' } },
      steps: [
        { id: 'paid', type: 'event', name: 'payment.received', match: { orderId: '$orderId' } },
      ],
    });
    expect(definition.steps[0]).toMatchObject({
      type: 'event',
      name: 'payment.received',
      match: { orderId: '$orderId' },
      lookback: 0,
    });
  });

  it('refuses what it could not run, naming each problem', () => {
    const problems = problemsOf([
      {
        id: 'a',
        type: 'event',
        match: [],
        on_timeout: 'b',
        lookback: -1,
        colour: 'red',
        next: 'b',
      },
      { id: 'b', type: 'event', name: 'has space', timeout: 0 },
    ]);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/step "a".*"name" is required/),
        expect.stringMatching(/step "a".*"match" must be a map/),
        expect.stringMatching(/step "a".*"on_timeout" needs a "timeout"/),
        expect.stringMatching(/step "a".*"lookback" must be a number ≥ 0/),
        expect.stringMatching(/step "a".*unknown key "colour"/),
        expect.stringMatching(/step "b".*"name" must match/),
        expect.stringMatching(/step "b".*"timeout" must be a number ≥ 1/),
      ]),
    );
  });

  it('is refused inside a parallel branch, where it would halt the branch', () => {
    const problems = problemsOf([
      { id: 'p', type: 'parallel', branches: [[{ id: 'e', type: 'event', name: 'x' }]] },
    ]);
    expect(problems).toEqual([
      expect.stringMatching(/parallel branches cannot contain event steps/),
    ]);
  });

  it('leaves its output unset on the way to on_timeout', () => {
    const problems = problemsOf([
      {
        id: 'e',
        type: 'event',
        name: 'x',
        output: 'reply',
        timeout: 5,
        on_timeout: 'late',
        next: 'ok',
      },
      { id: 'ok', type: 'assign', set: { got: '$reply' } },
      { id: 'late', type: 'assign', set: { got: '$reply' } },
    ]);
    expect(problems).toEqual([expect.stringMatching(/step "late".*reply/)]);
  });
});
