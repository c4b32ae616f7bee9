import { join } from 'node:path';
import type { DurableWorkflowStore } from '../../src';
import { loadWorkflow } from '../../src/engine';
import { engineWith } from '../support/engine-harness';
import { STORE_HARNESSES } from '../support/store-harnesses';
import { validationProblems } from '../support/validation-problems';

/**
 * The gem's scenarios that need JSON Schema validation of a `call` step's `output: {key, schema}`.
 * They assert what the gem's tests assert, and pass once that validation is in the engine.
 */
const fixture = join(__dirname, '../fixtures/gem/profile_schema.yml');

class Profiles {
  fetch({ kind }: { kind: string }) {
    return kind === 'complete' ? { name: 'Alice', age: 30 } : { age: 30 };
  }
}

describe.each(STORE_HARNESSES)(
  'gem scenarios needing call output {key, schema} (JSON Schema) on %s',
  (_name, makeHarness) => {
    const harness = makeHarness();
    let store: DurableWorkflowStore;

    beforeAll(async () => {
      store = await harness.open();
    });
    afterAll(() => harness.close());

    it('stores an output that matches its schema under key', async () => {
      const { engine } = engineWith(store, [fixture], { Profiles: new Profiles() });
      const run = await engine.run('profile_schema', { kind: 'complete' });
      expect(run.result).toEqual({ name: 'Alice', age: 30 });
      expect(run.ctx['profile']).toEqual({ name: 'Alice', age: 30 });
    });

    it('fails the step on a mismatch, naming what is wrong, and takes on_error', async () => {
      const { engine } = engineWith(store, [fixture], { Profiles: new Profiles() });
      const run = await engine.run('profile_schema', { kind: 'partial' });
      expect(run.ctx['profile']).toBeUndefined();
      expect((run.result as { error: string }).error).toMatch(/name/);
    });
  },
);

describe('gem validator with call output {key, schema} (JSON Schema)', () => {
  it('loads the document', () => {
    expect(validationProblems(() => loadWorkflow(fixture))).toEqual([]);
  });
});
