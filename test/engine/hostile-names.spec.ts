import { engineWith } from '../support/engine-harness';
import { SqliteHarness } from '../support/sql-harness';
import { loadWorkflow } from '../../src/engine';
import { validationProblems } from '../support/validation-problems';

function problemsOf(document: Record<string, unknown>): string[] {
  return validationProblems(() => loadWorkflow(document));
}

const one = (step: Record<string, unknown>, inputs: Record<string, unknown> = {}) =>
  problemsOf({ id: 'w', name: 'W', inputs, steps: [{ id: 's', ...step }] });

/** JSON.parse and YAML both make `__proto__` an own key, as a document's author would get. */
const parsed = (json: string) => JSON.parse(json) as Record<string, unknown>;

const PROTOTYPE = /reach object prototypes, so the value would be lost or read as missing$/;

describe('prototype names in a document', () => {
  it.each(['__proto__', 'constructor', 'prototype'])(
    'are refused as assigned variables, outputs and loop variables: %s',
    (name) => {
      const assign = one({ type: 'assign', set: parsed(`{"${name}": 1}`) });
      expect(assign).toEqual([
        expect.stringMatching(`^step "s": "set" key "${name}" cannot be assigned: `),
      ]);
      expect(assign[0]).toMatch(PROTOTYPE);
      expect(
        one({ type: 'transform', input: 'input', expression: ['keys'], output: name }),
      ).toEqual([expect.stringMatching(`^step "s": "output" cannot be "${name}": .*prototypes`)]);
      const loop = one({
        type: 'loop',
        over: [1],
        as: name,
        index_as: name,
        do: [{ id: 'b', type: 'assign', set: { y: 1 } }],
      });
      expect(loop).toEqual([
        expect.stringMatching(`^step "s": "as" cannot be "${name}"`),
        expect.stringMatching(`^step "s": "index_as" cannot be "${name}"`),
      ]);
    },
  );

  it('are refused as input names and step ids', () => {
    expect(
      problemsOf({
        id: 'w',
        name: 'W',
        inputs: parsed('{"__proto__": {"type": "string"}, "constructor": {"type": "string"}}'),
        steps: [{ id: 'constructor', type: 'end' }],
      }),
    ).toEqual([
      expect.stringMatching(/^input "__proto__": cannot be an input name: .*prototypes/),
      expect.stringMatching(/^input "constructor": cannot be an input name: /),
      expect.stringMatching(/^steps\[0\]: step id "constructor" is refused: /),
    ]);
  });

  it('are refused as path segments of references, conditions, transform inputs and item paths', () => {
    const inputs = { order: { type: 'object' } };
    expect(
      one({ type: 'end', result: { total: 'sum: $order.lines.constructor.name' } }, inputs),
    ).toEqual([
      'step "s": result.total: "$order.lines.constructor.name" walks "constructor": ' +
        '"__proto__", "constructor" and "prototype" reach object prototypes, so the value would be lost or read as missing',
    ]);
    expect(
      one(
        {
          type: 'router',
          routes: [{ when: { field: 'order.prototype', op: 'exists' }, then: 'e' }],
          default: 'e',
        },
        inputs,
      ),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^step "s" routes\[0\] when: condition field path "order.prototype" walks "prototype"/,
        ),
      ]),
    );
    expect(
      one({ type: 'transform', input: 'order.__proto__', expression: ['keys'] }, inputs),
    ).toEqual([
      expect.stringMatching(/^step "s": "input" path "order.__proto__" walks "__proto__"/),
    ]);
    expect(
      one(
        {
          type: 'transform',
          input: 'order',
          expression: [
            { pluck: 'constructor' },
            { sum: 'a.prototype' },
            { sort: { by: '__proto__.x' } },
          ],
        },
        inputs,
      ),
    ).toEqual([
      expect.stringMatching(
        /^step "s" expression\[0\]: "pluck" path "constructor" walks "constructor"/,
      ),
      expect.stringMatching(
        /^step "s" expression\[1\]: "sum" path "a.prototype" walks "prototype"/,
      ),
      expect.stringMatching(
        /^step "s" expression\[2\]: "sort" path "__proto__.x" walks "__proto__"/,
      ),
    ]);
  });

  it('refuse a __proto__ key in any value, which copying would drop', () => {
    expect(
      one({
        type: 'halt',
        reason: 'look',
        data: parsed('{"ok": {"list": [{"__proto__": {"x": 1}}]}}'),
      }),
    ).toEqual([
      expect.stringMatching(
        /^step "s": data\.ok\.list\[0\]: the key "__proto__" would be dropped: /,
      ),
    ]);
  });

  it('leave other keys alone: constructor is an ordinary key in data', () => {
    expect(one({ type: 'end', result: { constructor: 'Ferrari', prototype: true } })).toEqual([]);
    expect(
      one({ type: 'transform', input: 'input', expression: [{ pick: ['constructor'] }] }),
    ).toEqual([]);
  });
});

describe('a run input named like a prototype', () => {
  it('is refused at start, naming it, instead of being kept as an own key', async () => {
    const store = new SqliteHarness();
    const h = engineWith(await store.open(), [
      { id: 'plain', name: 'Plain', steps: [{ id: 'a', type: 'assign', set: { x: 1 } }] },
    ]);
    try {
      await expect(
        h.engine.run('plain', JSON.parse('{"__proto__":{"polluted":true}}')),
      ).rejects.toThrow(/input "__proto__" is not accepted/);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
