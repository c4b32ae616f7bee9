import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RejectedValueError, WorkflowValidationError, type DurableWorkflowStore } from '../../src';
import { loadWorkflow } from '../../src/engine';
import { engineWith } from '../support/engine-harness';
import { STORE_HARNESSES } from '../support/store-harnesses';
import { validationProblems } from '../support/validation-problems';

/**
 * The differences from the gem that stay on purpose, each marked (fix) in docs/workflow-format.md:
 * what we do instead, asserted.
 */
const problems = (document: Record<string, unknown>) =>
  validationProblems(() => loadWorkflow({ id: 'w', name: 'W', ...document })).join('\n');

describe('(fix) differences at load', () => {
  it('refuses unknown keys (the gem dropped them)', () => {
    expect(problems({ steps: [{ id: 'a', type: 'assign', set: {}, sett: { x: 1 } }] })).toMatch(
      /unknown key "sett"/,
    );
  });

  it('refuses halting steps inside parallel branches', () => {
    expect(
      problems({
        steps: [{ id: 'p', type: 'parallel', branches: [{ id: 'h', type: 'halt' }] }],
      }),
    ).toMatch(/parallel branches cannot contain halt steps/);
  });

  it("refuses a branch step's next that leaves its branch (the gem ignored it)", () => {
    expect(
      problems({
        steps: [
          {
            id: 'p',
            type: 'parallel',
            branches: [{ id: 'b', type: 'assign', set: { x: 1 }, next: 'done' }],
            next: 'done',
          },
          { id: 'done', type: 'end' },
        ],
      }),
    ).toMatch(/"next" refers to step "done", which is not in the same body/);
  });

  it('refuses inputs named after the built-in references', () => {
    expect(
      problems({ inputs: { history: { type: 'array' } }, steps: [{ id: 's', type: 'start' }] }),
    ).toMatch(/input "history": an input name must be a variable name that is not built in/);
  });

  it('refuses step ids and set keys that are not names, and unknown input types', () => {
    expect(problems({ steps: [{ id: 'check order', type: 'start' }] })).toMatch(
      /step id "check order" must match/,
    );
    expect(problems({ steps: [{ id: 'a', type: 'assign', set: { 'order-id': 1 } }] })).toMatch(
      /"set" key "order-id" is not a variable name/,
    );
    expect(
      problems({ inputs: { total: { type: 'float' } }, steps: [{ id: 's', type: 'start' }] }),
    ).toMatch(/input "total": unknown type "float"/);
  });

  it('refuses a workflow without steps', () => {
    expect(problems({ steps: [] })).toMatch(/steps: must be a non-empty list/);
  });

  it('refuses assign to input, now and history, which would never read back', () => {
    expect(problems({ steps: [{ id: 'a', type: 'assign', set: { input: {} } }] })).toMatch(
      /"set" key "input" is not a variable name that can be assigned/,
    );
  });

  it('refuses the examples whose end reads a variable some path leaves unset, as the gem validator does', () => {
    const fixture = readFileSync(join(__dirname, '../fixtures/gem/expense_approval.yml'), 'utf8');
    const original = fixture.replace(/^.*# added.*\n/m, '');
    expect(() => loadWorkflow(original)).toThrow(WorkflowValidationError);
    expect(validationProblems(() => loadWorkflow(original))).toEqual([
      'step "end": reads $reason, which is not set on every path leading to this step',
    ]);
  });
});

describe.each(STORE_HARNESSES)('(fix) differences at run time on %s', (name, makeHarness) => {
  const harness = makeHarness();
  let store: DurableWorkflowStore;

  beforeAll(async () => {
    store = await harness.open();
  });
  afterAll(() => harness.close());

  it('refuses a resume of an approval without approved (the gem halted again)', async () => {
    const { engine } = engineWith(store, [
      {
        id: 'approve',
        name: 'Approve',
        steps: [{ id: 'review', type: 'approval', prompt: 'OK?' }],
      },
    ]);
    const halted = await engine.run('approve');
    await expect(engine.resume(halted.id, { response: 'sure' })).rejects.toThrow(
      WorkflowValidationError,
    );
    expect((await store.load(halted.id))?.status).toBe('halted');
  });

  it('runs max iterations, then on_exhausted, when over has more items (the gem failed first)', async () => {
    const { engine } = engineWith(store, [
      {
        id: 'capped',
        name: 'Capped',
        steps: [
          {
            id: 'each',
            type: 'loop',
            over: [1, 2, 3, 4],
            max: 2,
            do: [{ id: 'seen', type: 'assign', set: { last: '$item' } }],
            output: 'seen',
            on_exhausted: 'capped_end',
            next: 'done',
          },
          { id: 'done', type: 'end', result: 'all' },
          { id: 'capped_end', type: 'end', result: '$seen' },
        ],
      },
    ]);
    expect((await engine.run('capped')).result).toEqual([{ last: 1 }, { last: 2 }]);
  });

  it('gives the item for first/last without a count (the gem gave a list of one)', async () => {
    const { engine } = engineWith(store, [
      {
        id: 'firsts',
        name: 'Firsts',
        steps: [
          { id: 'a', type: 'assign', set: { xs: [7, 8, 9] }, next: 't' },
          { id: 't', type: 'transform', input: 'xs', expression: { first: null }, output: 'x' },
        ],
      },
    ]);
    expect((await engine.run('firsts')).ctx['x']).toBe(7);
  });

  it('never compares a value that is no number with gt/lt (the gem read it as 0)', async () => {
    const { engine } = engineWith(store, [
      {
        id: 'compare',
        name: 'Compare',
        inputs: { amount: { required: false } },
        steps: [
          {
            id: 'r',
            type: 'router',
            routes: [{ when: { field: 'input.amount', op: 'lt', value: 100 }, then: 'small' }],
            default: 'other',
          },
          { id: 'small', type: 'end', result: 'small' },
          { id: 'other', type: 'end', result: 'other' },
        ],
      },
    ]);
    expect((await engine.run('compare', { amount: '99.5' })).result).toBe('small');
    expect((await engine.run('compare', { amount: 'n/a' })).result).toBe('other');
    expect((await engine.run('compare', {})).result).toBe('other');
  });

  it('keeps approved in the context after the approval (the gem removed it)', async () => {
    const { engine } = engineWith(store, [
      {
        id: 'kept',
        name: 'Kept',
        steps: [
          { id: 'review', type: 'approval', prompt: 'OK?', next: 'done' },
          { id: 'done', type: 'end' },
        ],
      },
    ]);
    const halted = await engine.run('kept');
    const done = await engine.resume(halted.id, { approved: true });
    expect(done.ctx['approved']).toBe(true);
  });

  it('fails the step, naming the pattern, when a referenced matches pattern is bad (the gem read false)', async () => {
    const { engine } = engineWith(store, [
      {
        id: 'bad_pattern',
        name: 'Bad pattern',
        steps: [
          { id: 'a', type: 'assign', set: { text: 'abc', re: '(unclosed' }, next: 'r' },
          {
            id: 'r',
            type: 'router',
            routes: [{ when: { field: 'text', op: 'matches', value: '$re' }, then: 'yes' }],
            default: 'no',
            on_error: 'caught',
          },
          { id: 'yes', type: 'end', result: 'yes' },
          { id: 'no', type: 'end', result: 'no' },
          { id: 'caught', type: 'end', result: '$_last_error' },
        ],
      },
    ]);
    const run = await engine.run('bad_pattern');
    expect(run.result).toMatchObject({ step: 'r', name: 'InvalidPatternError' });
    expect((run.result as { message: string }).message).toMatch(
      /"matches" on text: the pattern "\(unclosed" cannot be used/,
    );
  });

  it('lists keys sorted, collects assign results in loops, calls with one argument', async () => {
    const seen: unknown[][] = [];
    const { engine } = engineWith(
      store,
      [
        {
          id: 'shapes',
          name: 'Shapes',
          steps: [
            { id: 'a', type: 'assign', set: { data: { b: 1, a: 2 } }, next: 'k' },
            {
              id: 'k',
              type: 'transform',
              input: 'data',
              expression: ['keys'],
              output: 'keys',
              next: 'l',
            },
            {
              id: 'l',
              type: 'loop',
              over: [1, 2],
              do: [{ id: 'x', type: 'assign', set: { last: '$item' } }],
              output: 'collected',
              next: 'c',
            },
            {
              id: 'c',
              type: 'call',
              service: 'Echo',
              method: 'args',
              input: { a: 1 },
              output: 'args',
            },
          ],
        },
      ],
      { Echo: { args: (...args: unknown[]) => seen.push(args) && args.length } },
    );
    const run = await engine.run('shapes');
    expect(run.ctx['keys']).toEqual(['a', 'b']);
    expect(run.ctx['collected']).toEqual([{ last: 1 }, { last: 2 }]);
    expect(seen).toEqual([[{ a: 1 }]]);
  });

  it('keeps execution ids as UUIDs on the SQL stores; Redis takes any id', async () => {
    const { engine } = engineWith(store, [
      { id: 'ids', name: 'Ids', steps: [{ id: 'a', type: 'assign', set: { x: 1 } }] },
    ]);
    const generated = await engine.run('ids');
    expect(generated.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const custom = engine.run('ids', {}, { executionId: 'order-42' });
    if (name === 'redis') expect((await custom).id).toBe('order-42');
    else await expect(custom).rejects.toThrow(RejectedValueError);
  });
});
