import { ServiceRegistry, loadWorkflow } from '../../src/engine';
import { validationProblems } from '../support/validation-problems';

/**
 * Loading documents of the gem's format: what its validator tests (test/unit/core/validator_test.rb)
 * assert, and the round-two rules: a smarter validator, not a looser one.
 */
const services = new ServiceRegistry({ Svc: { go: (input: unknown) => input } });
const problems = (steps: unknown[], extra: Record<string, unknown> = {}) =>
  validationProblems(() => loadWorkflow({ id: 'w', name: 'W', steps, ...extra }, services));

describe('validator_test.rb', () => {
  it('refuses duplicate ids, unknown types and references to missing steps', () => {
    expect(
      problems([
        { id: 'start', type: 'start', next: 'dup' },
        { id: 'dup', type: 'assign', set: {}, next: 'end' },
        { id: 'dup', type: 'assign', set: {}, next: 'end' },
        { id: 'end', type: 'end' },
      ]).join('\n'),
    ).toMatch(/"dup".*used by more than one step/);
    expect(
      problems([
        { id: 'start', type: 'start', next: 'unknown' },
        { id: 'unknown', type: 'nonexistent_type', next: 'end' },
        { id: 'end', type: 'end' },
      ]).join('\n'),
    ).toMatch(/unknown step type "nonexistent_type"/);
    expect(problems([{ id: 'start', type: 'start', next: 'missing' }]).join('\n')).toMatch(
      /refers to step "missing"/,
    );
  });

  it('accepts __FINISHED__ as next, on any step and on end', () => {
    expect(
      problems([
        { id: 'start', type: 'start', next: 'end' },
        { id: 'end', type: 'end', next: '__FINISHED__' },
      ]),
    ).toEqual([]);
    expect(problems([{ id: 'a', type: 'assign', set: { x: 1 }, next: '__FINISHED__' }])).toEqual(
      [],
    );
  });

  it('refuses an end whose next is another step', () => {
    expect(
      problems([
        { id: 'end', type: 'end', next: 'other' },
        { id: 'other', type: 'end' },
      ]).join('\n'),
    ).toMatch(/an end step's "next" may only be __FINISHED__/);
  });

  it('detects unreachable steps and router targets that do not exist', () => {
    expect(
      problems([
        { id: 'start', type: 'start', next: 'end' },
        { id: 'orphan', type: 'assign', set: {}, next: 'end' },
        { id: 'end', type: 'end' },
      ]).join('\n'),
    ).toMatch(/"orphan": is unreachable/);
    const router = (then: string, otherwise: string) =>
      problems([
        {
          id: 'router',
          type: 'router',
          routes: [{ when: { field: 'x', op: 'eq', value: 1 }, then }],
          default: otherwise,
        },
        { id: 'end', type: 'end' },
      ]).join('\n');
    expect(router('missing', 'end')).toMatch(/refers to step "missing"/);
    expect(router('end', 'missing_default')).toMatch(/refers to step "missing_default"/);
  });

  it('knows a loop variable inside its body, not after it; its output after it', () => {
    const loop = (after: unknown) =>
      problems(
        [
          {
            id: 'loop',
            type: 'loop',
            over: '$input.recipients',
            as: 'recipient',
            index_as: 'idx',
            do: [
              {
                id: 'invite',
                type: 'call',
                service: 'Svc',
                method: 'go',
                input: { invitee_id: '$recipient.id', at: '$idx' },
              },
            ],
            output: 'invites',
            next: 'end',
          },
          { id: 'end', type: 'end', result: after },
        ],
        { inputs: { recipients: { type: 'array' } } },
      );
    expect(loop('$invites')).toEqual([]);
    expect(loop('$recipient').join('\n')).toMatch(/reads \$recipient, which is not set/);
  });
});

describe('round two: the gem format loads', () => {
  it('takes a transform expression as a map, and no input', () => {
    expect(
      problems([
        { id: 'a', type: 'assign', set: { users: [] }, next: 't' },
        {
          id: 't',
          type: 'transform',
          input: 'users',
          expression: { select: { active: true }, pluck: 'name', first: 2 },
          output: 'names',
          next: 'w',
        },
        { id: 'w', type: 'transform', expression: { keys: null }, output: 'names2' },
      ]),
    ).toEqual([]);
  });

  it('takes inputs without a type, a start with validate_input, a workflow timeout', () => {
    expect(
      problems(
        [
          { id: 'start', type: 'start', validate_input: true, next: 'sub' },
          { id: 'sub', type: 'workflow', workflow_id: 'other', timeout: 30 },
        ],
        { inputs: { anything: null, described: { description: 'free form', required: false } } },
      ),
    ).toEqual([]);
  });

  it('lets assign set approved and response, but not the names it could not read back', () => {
    expect(
      problems([{ id: 'a', type: 'assign', set: { approved: true, response: 'ok' } }]),
    ).toEqual([]);
    for (const name of ['input', 'now', 'history']) {
      expect(problems([{ id: 'a', type: 'assign', set: { [name]: 1 } }]).join('\n')).toMatch(
        new RegExp(`"set" key "${name}" is not a variable name that can be assigned`),
      );
    }
  });

  it('compiles a literal matches pattern at load, and leaves a referenced one for the run', () => {
    const router = (value: string) =>
      problems([
        { id: 'a', type: 'assign', set: { text: 'x', re: '^x' }, next: 'r' },
        {
          id: 'r',
          type: 'router',
          routes: [{ when: { field: 'text', op: 'matches', value }, then: 'end' }],
          default: 'end',
        },
        { id: 'end', type: 'end' },
      ]).join('\n');
    expect(router('(unclosed')).toMatch(/"matches" pattern "\(unclosed" cannot be used/);
    expect(router('$re')).toBe('');
  });

  it("refuses the gem's AI step types, naming each, when no custom type is registered", () => {
    const found = problems([
      { id: 'ask', type: 'agent', next: 'check' },
      { id: 'check', type: 'guardrail' },
    ]).join('\n');
    expect(found).toMatch(/unknown step type "agent"/);
    expect(found).toMatch(/unknown step type "guardrail"/);
  });
});

describe('round two: a smarter validator', () => {
  const setOnOnePath = (reader: Record<string, unknown>) => [
    {
      id: 'split',
      type: 'router',
      routes: [{ when: { field: 'input.vip', op: 'truthy' }, then: 'discount' }],
      default: reader['id'],
    },
    { id: 'discount', type: 'assign', set: { rate: 0.1 }, next: reader['id'] },
    reader,
    { id: 'end', type: 'end' },
  ];

  it('lets a condition read a variable that some path does not set', () => {
    expect(
      problems(
        setOnOnePath({
          id: 'check',
          type: 'router',
          routes: [{ when: { field: 'rate', op: 'exists' }, then: 'end' }],
          default: 'end',
        }),
      ),
    ).toEqual([]);
    expect(
      problems(
        setOnOnePath({
          id: 'check',
          type: 'loop',
          while: { field: 'rate', op: 'not_exists' },
          do: [{ id: 'set_rate', type: 'assign', set: { rate: 0 } }],
          next: 'end',
        }),
      ),
    ).toEqual([]);
  });

  it('still refuses step inputs, assign, end results and templates reading it', () => {
    const readers = [
      {
        id: 'check',
        type: 'call',
        service: 'Svc',
        method: 'go',
        input: { r: '$rate' },
        next: 'end',
      },
      { id: 'check', type: 'assign', set: { r: '$rate' }, next: 'end' },
      { id: 'check', type: 'halt', reason: 'rate is $rate', next: 'end' },
    ];
    for (const reader of readers) {
      expect(problems(setOnOnePath(reader)).join('\n')).toMatch(
        /"check": reads \$rate, which is not set on every path/,
      );
    }
    const steps = setOnOnePath({ id: 'check', type: 'end', result: '$rate' });
    expect(problems(steps.slice(0, 3)).join('\n')).toMatch(/reads \$rate/);
  });

  it('knows what parallel branches set after the step: each branch when it waits for all', () => {
    const parallel = (wait: unknown, reads: string) =>
      problems([
        {
          id: 'fan',
          type: 'parallel',
          wait,
          branches: [
            [
              { id: 'a1', type: 'assign', set: { shared: 1, only_a: 1 } },
              { id: 'a2', type: 'assign', set: { later_a: 1 } },
            ],
            { id: 'b', type: 'assign', set: { shared: 2, only_b: 2 } },
          ],
          next: 'end',
        },
        { id: 'end', type: 'end', result: reads },
      ]).join('\n');
    expect(parallel('all', '$shared $only_a $later_a $only_b')).toBe('');
    expect(parallel('any', '$shared')).toBe('');
    expect(parallel('any', '$only_a')).toMatch(/reads \$only_a/);
    expect(parallel(1, '$only_b')).toMatch(/reads \$only_b/);
  });

  it('refuses $input.x for an undeclared input when the workflow declares inputs', () => {
    const found = problems(
      [
        {
          id: 'call',
          type: 'call',
          service: 'Svc',
          method: 'go',
          input: '$input.amout',
          next: 'r',
        },
        {
          id: 'r',
          type: 'router',
          routes: [{ when: { field: 'input.currency', op: 'exists' }, then: 't' }],
          default: 't',
        },
        { id: 't', type: 'transform', input: 'input.lines', expression: ['count'], next: 'ok' },
        { id: 'ok', type: 'end', result: '$input.amount' },
      ],
      { inputs: { amount: { type: 'number' } } },
    );
    expect(found).toEqual([
      'step "call": reads $input.amout, but the workflow declares no input "amout" (declared: amount)',
      'step "r": reads $input.currency, but the workflow declares no input "currency" (declared: amount)',
      'step "t": reads $input.lines, but the workflow declares no input "lines" (declared: amount)',
    ]);
    expect(
      problems([
        { id: 'call', type: 'call', service: 'Svc', method: 'go', input: '$input.anything' },
      ]),
    ).toEqual([]);
  });
});
