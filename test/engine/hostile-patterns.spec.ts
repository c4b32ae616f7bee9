import type { DurableWorkflowStore } from '../../src';
import { loadWorkflow } from '../../src/engine';
import type { RouterStep } from '../../src/core/definition/definition-types';
import { MATCHES_INPUT_LIMIT, evaluateCondition } from '../../src/core/runtime/conditions';
import type { ReferenceScope } from '../../src/core/runtime/references';
import { engineWith } from '../support/engine-harness';
import { SqliteHarness } from '../support/sql-harness';
import { validationProblems } from '../support/validation-problems';

const routerOn = (pattern: string) => ({
  id: 'screen',
  name: 'Screen',
  inputs: { text: { type: 'string' } },
  steps: [
    {
      id: 'check',
      type: 'router',
      routes: [{ when: { field: 'input.text', op: 'matches', value: pattern }, then: 'yes' }],
      default: 'no',
    },
    { id: 'yes', type: 'end', result: true },
    { id: 'no', type: 'end', result: false },
  ],
});

const scopeWith = (text: string): ReferenceScope => ({
  input: { text },
  ctx: {},
  now: () => '2026-01-01T00:00:00.000Z',
  response: null,
  approved: null,
});

function conditionOf(pattern: string) {
  const definition = loadWorkflow(routerOn(pattern));
  return (definition.steps[0] as RouterStep).routes[0].when;
}

function problemsOf(pattern: string): string[] {
  return validationProblems(() => loadWorkflow(routerOn(pattern)));
}

describe('matches patterns', () => {
  it('test a catastrophic pattern against a long text in linear time', () => {
    const condition = conditionOf('(a+)+$');
    // A backtracking engine needs about 2^n steps here: 33 characters took 6.9 s, so these
    // 10,000 would never end; a linear-time one answers at once.
    const text = `${'a'.repeat(MATCHES_INPUT_LIMIT - 1)}!`;
    expect(evaluateCondition(condition, scopeWith(text))).toBe(false);
    expect(evaluateCondition(condition, scopeWith('aaaa'))).toBe(true);
  });

  it('keep the usual meaning: found anywhere unless anchored', () => {
    expect(evaluateCondition(conditionOf('^inv-\\d+$'), scopeWith('inv-42'))).toBe(true);
    expect(evaluateCondition(conditionOf('^inv-\\d+$'), scopeWith('inv-42x'))).toBe(false);
    expect(evaluateCondition(conditionOf('[éü]'), scopeWith('café'))).toBe(true);
    // The two differences from JavaScript the format documents.
    expect(evaluateCondition(conditionOf('caf\\x{e9}$'), scopeWith('café'))).toBe(true);
    expect(evaluateCondition(conditionOf('(?i)^inv'), scopeWith('INV-1'))).toBe(true);
    expect(problemsOf('\\u00e9')[0]).toMatch(/invalid escape sequence: `\\u`/);
  });

  it('refuse at load what RE2 cannot run, naming the step, the pattern and the reason', () => {
    expect(problemsOf('(a)\\1')).toContainEqual(
      expect.stringMatching(
        /^step "check" routes\[0\] when: "matches" pattern "\(a\)\\\\1" cannot be used: invalid escape sequence: `\\1` \(patterns follow RE2 syntax/,
      ),
    );
    expect(problemsOf('(?=a)b')[0]).toMatch(/unsupported Perl syntax: `\(\?=`/);
    expect(problemsOf('(?<!a)b')[0]).toMatch(/step "check".*"\(\?<!a\)b" cannot be used/);
    expect(problemsOf('(')[0]).toMatch(/missing closing \)/);
  });
});

describe('a matches condition on a text longer than the limit', () => {
  const harness = new SqliteHarness();
  let store: DurableWorkflowStore;
  let h: ReturnType<typeof engineWith>;
  beforeAll(async () => {
    store = await harness.open();
    h = engineWith(store, [routerOn('^a+$')]);
  });
  afterAll(() => harness.close());

  it('fails the step with an error naming the field and both lengths', async () => {
    const atLimit = await h.engine.run('screen', { text: 'a'.repeat(MATCHES_INPUT_LIMIT) });
    expect(atLimit.result).toBe(true);
    const over = await h.engine.run('screen', { text: 'a'.repeat(MATCHES_INPUT_LIMIT + 1) });
    expect(over.status).toBe('failed');
    expect(over.error).toMatch(
      /Step "check" failed: "matches" on input\.text: the text has 10001 characters, more than the 10000/,
    );
  });
});
