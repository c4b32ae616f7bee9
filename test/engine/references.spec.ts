import { evaluateCondition } from '../../src/core/runtime/conditions';
import { readPath, resolveValue, type ReferenceScope } from '../../src/core/runtime/references';
import { applyTransform } from '../../src/core/runtime/transform';
import { findMethod, ServiceRegistry } from '../../src/core/services';
import { loadWorkflow } from '../../src/engine';

const scope = (ctx: Record<string, unknown> = {}): ReferenceScope => ({
  input: { amount: 1250, tags: ['a', 'b'], nested: { deep: { value: true } } },
  ctx,
  now: () => '2026-01-01T00:00:00.000Z',
  response: { note: 'ok' },
  approved: true,
});

describe('references', () => {
  it('keep the type of an exact reference and substitute text inside longer strings', () => {
    const s = scope({ items: [{ sku: 'x-1', qty: 2 }], name: 'Ana', count: 0 });
    expect(resolveValue('$input.amount', s)).toBe(1250);
    expect(resolveValue('$input.nested', s)).toEqual({ deep: { value: true } });
    expect(resolveValue('$items.0.sku', s)).toBe('x-1');
    expect(resolveValue('$count', s)).toBe(0);
    expect(resolveValue('Pay $input.amount to $name.', s)).toBe('Pay 1250 to Ana.');
    expect(resolveValue('tags: $input.tags', s)).toBe('tags: ["a","b"]');
    expect(
      resolveValue({ list: ['$name', { at: '$now' }], ok: '$approved', said: '$response.note' }, s),
    ).toEqual({
      list: ['Ana', { at: '2026-01-01T00:00:00.000Z' }],
      ok: true,
      said: 'ok',
    });
  });

  it('yield null for a missing exact reference and empty text inside a string', () => {
    const s = scope({ items: [] });
    expect(resolveValue('$missing.path', s)).toBeNull();
    expect(resolveValue('$items.5', s)).toBeNull();
    expect(resolveValue('[$missing]', s)).toBe('[]');
  });

  it('never walk prototypes, call methods or pollute anything', () => {
    const s = scope({ obj: { a: 1 }, list: [1, 2] });
    for (const path of [
      'obj.__proto__',
      'obj.constructor',
      'obj.constructor.prototype',
      'list.length',
      'list.map',
      'obj.toString',
      'obj.hasOwnProperty',
      '__proto__',
      'constructor',
    ]) {
      expect(readPath(path, s)).toBeUndefined();
    }
    expect(resolveValue('$obj.constructor.name', s)).toBeNull();
    // A document that names such a path is refused when it loads (see hostile-names.spec.ts).
    expect(() =>
      loadWorkflow({
        id: 'p',
        name: 'P',
        inputs: { obj: { type: 'object' } },
        steps: [{ id: 's', type: 'assign', set: { x: '$obj.__proto__.polluted' } }],
      }),
    ).toThrow(/walks "__proto__"/);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('conditions', () => {
  const s = scope({
    n: 5,
    text: 'invoice-42',
    list: ['a', 'b'],
    empty: [],
    nothing: null,
    zero: 0,
    obj: {},
  });
  const cases: [string, string, unknown, boolean][] = [
    ['n', 'eq', 5, true],
    ['n', 'neq', 5, false],
    ['n', 'gt', 4, true],
    ['n', 'gte', 5, true],
    ['n', 'lt', 5, false],
    ['n', 'lte', 5, true],
    ['text', 'gt', 1, false],
    ['n', 'in', [1, 5], true],
    ['n', 'not_in', [1, 5], false],
    ['text', 'contains', '42', true],
    ['list', 'contains', 'b', true],
    ['text', 'starts_with', 'invoice', true],
    ['text', 'ends_with', '42', true],
    ['missing', 'exists', null, false],
    ['nothing', 'exists', null, false],
    ['zero', 'exists', null, true],
    ['empty', 'empty', null, true],
    ['obj', 'empty', null, true],
    ['list', 'empty', null, false],
    ['zero', 'truthy', null, false],
    ['text', 'truthy', null, true],
    ['zero', 'falsy', null, true],
    ['input.amount', 'gt', 1000, true],
    ['approved', 'eq', true, true],
    ['response.note', 'eq', 'ok', true],
  ];
  it.each(cases)('%s %s %j is %s', (field, op, value, expected) => {
    expect(evaluateCondition({ field, op: op as never, value }, s)).toBe(expected);
  });

  it('compares against references and compiled patterns', () => {
    expect(evaluateCondition({ field: 'n', op: 'eq', value: '$n' }, s)).toBe(true);
    expect(
      evaluateCondition({ field: 'text', op: 'matches', value: '^inv', pattern: /^inv/ }, s),
    ).toBe(true);
  });

  it('treats false as falsy, unlike the original design', () => {
    expect(evaluateCondition({ field: 'flag', op: 'truthy' }, scope({ flag: false }))).toBe(false);
  });
});

describe('transforms', () => {
  const s = scope({
    lines: [
      { sku: 'b', qty: 2, price: 3 },
      { sku: 'a', qty: 0, price: 5 },
      { sku: 'c', qty: 1, price: 1 },
    ],
  });
  const run = (expression: unknown[], input = 'lines') => {
    const definition = loadWorkflow({
      id: 't',
      name: 'T',
      inputs: { lines: { type: 'array' } },
      steps: [{ id: 'x', type: 'transform', input, expression, output: 'out' }],
    });
    const step = definition.steps[0];
    if (step.type !== 'transform') throw new Error('expected a transform step');
    return applyTransform(readPath(input, s), step.expression, s);
  };
  it('select, pluck, sum, sort, map, count and friends', () => {
    expect(run([{ select: { field: 'item.qty', op: 'gt', value: 0 } }, { pluck: 'sku' }])).toEqual([
      'b',
      'c',
    ]);
    expect(run([{ reject: { field: 'item.qty', op: 'gt', value: 0 } }, 'count'])).toBe(1);
    expect(run([{ sum: 'price' }])).toBe(9);
    expect(run([{ sort: 'sku' }, { pluck: 'sku' }])).toEqual(['a', 'b', 'c']);
    expect(run([{ sort: { by: 'price', order: 'desc' } }, 'first', { pick: ['sku'] }])).toEqual({
      sku: 'a',
    });
    expect(run([{ map: { code: '$item.sku', at: '$index' } }, 'last'])).toEqual({
      code: 'c',
      at: 2,
    });
    expect(run([{ pluck: 'sku' }, 'reverse', 'uniq'])).toEqual(['c', 'a', 'b']);
    expect(run(['first', 'keys'])).toEqual(['price', 'qty', 'sku']);
    expect(run(['first', { omit: ['qty', 'price'] }, { merge: { extra: true } }])).toEqual({
      sku: 'b',
      extra: true,
    });
  });
});

describe('callable service methods', () => {
  class Base {
    inherited() {
      return 'no';
    }
  }
  class Service extends Base {
    own() {
      return 'ok';
    }
    _hidden() {
      return 'no';
    }
    get computed() {
      return () => 'no';
    }
    onModuleDestroy() {
      return 'no';
    }
  }
  it('are the methods the class itself declares: not inherited, not hooks, not getters, nothing of Object', () => {
    const service = new Service();
    expect(findMethod(service, 'own')).not.toBeNull();
    expect(findMethod({ book: () => 'ok' }, 'book')).not.toBeNull();
    for (const name of [
      'inherited',
      'onModuleDestroy',
      'constructor',
      'toString',
      'hasOwnProperty',
      '__proto__',
      '__defineGetter__',
      '_hidden',
      'computed',
      'valueOf',
    ]) {
      expect(findMethod(service, name)).toBeNull();
    }
  });

  it('are only those listed, when the service has a list, and a listed one must exist', () => {
    const registry = new ServiceRegistry(
      { ledger: new Service(), plain: { book: () => 1, refund: () => 2 } },
      { methods: { plain: ['book'], ledger: ['own', 'inherited', 'onModuleDestroy', 'toString'] } },
    );
    expect(registry.problemWith('plain', 'book')).toBeNull();
    expect(registry.problemWith('plain', 'refund')).toBe(
      'service "plain" has no callable method "refund" (callable: book)',
    );
    // Listed by name, a base class's method is reachable; a hook or Object's never is.
    expect(registry.problemWith('ledger', 'inherited')).toBeNull();
    expect(registry.listProblems()).toEqual([
      'service "ledger" lists method "onModuleDestroy", which is not a callable method of its class',
      'service "ledger" lists method "toString", which is not a callable method of its class',
    ]);
  });
});
