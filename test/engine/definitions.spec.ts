import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { WorkflowValidationError } from '../../src';
import { ServiceRegistry, loadWorkflow } from '../../src/engine';
import { validationProblems } from '../support/validation-problems';

const services = new ServiceRegistry({
  ledger: new (class {
    book() {
      return 1;
    }
  })(),
});

function problemsOf(document: unknown): string[] {
  return validationProblems(() => loadWorkflow(document as Record<string, unknown>, services));
}

const base = (steps: unknown[], extra: Record<string, unknown> = {}) => ({
  id: 'w',
  name: 'W',
  steps,
  ...extra,
});

describe('loading workflow definitions', () => {
  const yaml = `
id: greet
name: Greeting
version: 3
inputs:
  who: { type: string, default: world }
steps:
  - { id: hello, type: assign, set: { text: "hello $who" } }
`;

  it('loads YAML text, a YAML file, and a plain object alike', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dw-def-'));
    try {
      const file = join(dir, 'greet.yml');
      writeFileSync(file, yaml);
      const fromText = loadWorkflow(yaml);
      const fromFile = loadWorkflow(file);
      const fromObject = loadWorkflow({
        id: 'greet',
        name: 'Greeting',
        version: '3',
        inputs: { who: { type: 'string', default: 'world' } },
        steps: [{ id: 'hello', type: 'assign', set: { text: 'hello $who' } }],
      });
      for (const definition of [fromText, fromFile, fromObject]) {
        expect(definition).toMatchObject({
          id: 'greet',
          version: '3',
          inputs: { who: { required: true } },
        });
        expect([...definition.index.keys()]).toEqual(['hello']);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses YAML tags that would build objects or run code', () => {
    expect(() =>
      loadWorkflow('id: x\nname: y\nsteps:\n  - !!js/function "function(){}"\n'),
    ).toThrow(WorkflowValidationError);
    expect(() => loadWorkflow('id: x\nname: y\nsteps: !custom [1]\n')).toThrow(/tag/);
  });

  it('reports an alias to no anchor as a validation error', () => {
    expect(() => loadWorkflow('*!')).toThrow(WorkflowValidationError);
    expect(() => loadWorkflow('id: x\nname: *missing\nsteps: []\n')).toThrow(/Unresolved alias/);
  });

  it('says when a workflow file cannot be read', () => {
    expect(() => loadWorkflow('/nonexistent/flow.yml')).toThrow(/cannot be read/);
  });

  it('reports every problem at once, each naming the step and the key', () => {
    const problems = problemsOf(
      base([
        { id: 'j', type: 'assign', set: { z: '$nowhere' }, next: 'a' },
        { id: 'a', type: 'assign', set: { x: 1 }, next: 'missing', colour: 'red' },
        { id: 'a', type: 'assign', set: { y: 2 } },
        { id: 'b', type: 'teleport' },
        {
          id: 'c',
          type: 'router',
          routes: [{ when: { field: 'x', op: 'matches', value: '(' }, then: 'a' }],
          next: 'a',
        },
        { id: 'd', type: 'call', service: 'ledger', method: 'burn' },
        { id: 'e', type: 'call', service: 'mailer', method: 'send' },
        { id: 'f', type: 'transform', input: 'x', expression: ['explode'] },
        {
          id: 'g',
          type: 'parallel',
          branches: [[{ id: 'g1', type: 'approval' }], [{ id: 'g2', type: 'wait', seconds: 1 }]],
        },
        { id: 'h', type: 'wait', until: 'next tuesday' },
        { id: 'i', type: 'approval', on_timeout: 'a' },
        {
          id: 'k',
          type: 'router',
          routes: [{ when: { field: 'x', op: 'sounds_like', value: 1 }, then: 'a' }],
        },
      ]),
    );
    const expectations = [
      /step "a": unknown key "colour"/,
      /step "a": "next" refers to step "missing"/,
      /step "a": the id is used by more than one step/,
      /step "b": unknown step type "teleport"/,
      /step "c": unknown key "next"/,
      /step "c" routes\[0\] when: "matches" pattern "\(" cannot be used/,
      /step "d": service "ledger" has no callable method "burn"/,
      /step "e": service "mailer" is not registered/,
      /step "f" expression\[0\]: unknown transform op "explode"/,
      /step "g1": parallel branches cannot contain approval steps/,
      /step "g2": parallel branches cannot contain wait steps/,
      /step "h": "until" must be an ISO-8601 time/,
      /step "i": "on_timeout" needs a "timeout"/,
      /step "j": reads \$nowhere, which is not set on every path/,
      /step "k" routes\[0\] when: unknown condition op "sounds_like"/,
      /step "d": is unreachable/,
    ];
    const unmatched = expectations.filter((expected) => !problems.some((p) => expected.test(p)));
    expect({ unmatched, problems }).toEqual({ unmatched: [], problems });
  });

  it('refuses a variable read on only some paths', () => {
    const problems = problemsOf(
      base([
        {
          id: 'pick',
          type: 'router',
          routes: [{ when: { field: 'input.fast', op: 'truthy' }, then: 'set_it' }],
          default: 'use_it',
        },
        { id: 'set_it', type: 'assign', set: { speed: 'fast' }, next: 'use_it' },
        { id: 'use_it', type: 'assign', set: { copy: '$speed' } },
      ]),
    );
    expect(problems).toEqual([expect.stringMatching(/step "use_it": reads \$speed/)]);
  });

  it('knows inputs, built-ins, _last_error after on_error, loop variables and earlier body outputs', () => {
    const problems = problemsOf(
      base(
        [
          {
            id: 'first',
            type: 'call',
            service: 'ledger',
            method: 'book',
            on_error: 'oops',
            next: 'each',
            output: 'booking',
          },
          {
            id: 'oops',
            type: 'assign',
            set: { why: '$_last_error.message', when: '$now', who: '$amount' },
            next: 'each',
          },
          {
            id: 'each',
            type: 'loop',
            over: '$input.items',
            as: 'line',
            index_as: 'n',
            do: [
              {
                id: 'mark',
                type: 'assign',
                set: { seen: '$line.sku', at: '$n', round: '$iteration' },
              },
              {
                id: 'again',
                type: 'assign',
                set: { echo: '$seen', said: '$response', ok: '$approved' },
              },
            ],
            output: 'marks',
            next: 'done',
          },
          { id: 'done', type: 'end', result: { marks: '$marks' } },
        ],
        { inputs: { amount: { type: 'number' }, items: { type: 'array' } } },
      ),
    );
    expect(problems).toEqual([]);
  });

  it('never throws anything but WorkflowValidationError for random documents', () => {
    const stepType = fc.constantFrom(
      'start',
      'end',
      'assign',
      'call',
      'router',
      'loop',
      'parallel',
      'transform',
      'halt',
      'approval',
      'workflow',
      'wait',
      'bogus',
    );
    const step = fc.record(
      {
        id: fc.oneof(fc.constantFrom('a', 'b', 'c', 'd'), fc.string()),
        type: stepType,
        next: fc.constantFrom('a', 'b', 'c', '__FINISHED__', 'zzz'),
        set: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })),
        routes: fc.array(
          fc.record({
            when: fc.record({
              field: fc.string(),
              op: fc.string(),
              value: fc.jsonValue({ maxDepth: 1 }),
            }),
            then: fc.string(),
          }),
        ),
        over: fc.jsonValue({ maxDepth: 1 }),
        do: fc.jsonValue({ maxDepth: 2 }),
        branches: fc.jsonValue({ maxDepth: 2 }),
        expression: fc.jsonValue({ maxDepth: 2 }),
        service: fc.constantFrom('ledger', 'x'),
        method: fc.constantFrom('book', 'constructor', '__proto__'),
        seconds: fc.jsonValue({ maxDepth: 0 }),
      },
      { requiredKeys: ['id', 'type'] },
    );
    const document = fc.oneof(
      fc.record(
        {
          id: fc.string(),
          name: fc.string(),
          steps: fc.array(step, { maxLength: 5 }),
          version: fc.jsonValue({ maxDepth: 0 }),
          inputs: fc.jsonValue({ maxDepth: 2 }),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 3 }),
      // YAML text built from the characters that carry its syntax.
      fc.string({ unit: fc.constantFrom(...'*&!|>-:?[]{},#%@`\'" \nab1.'.split('')) }),
    );
    fc.assert(
      fc.property(document, (doc) => {
        try {
          loadWorkflow(doc as Record<string, unknown>, services);
        } catch (error) {
          if (!(error instanceof WorkflowValidationError)) throw error;
        }
      }),
      { numRuns: 500 },
    );
  });
});
