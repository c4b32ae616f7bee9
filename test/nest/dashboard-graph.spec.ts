import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWorkflow } from '../../src/core/definition/load-workflow';
import type { WorkflowDefinition } from '../../src/core/definition/definition-types';
import { layoutWorkflow, type PlacedStep } from '../../src/nest/http/dashboard/graph/graph-layout';
import { graphState } from '../../src/nest/http/dashboard/graph/graph-state';
import { newEntry, newExecution } from '../support/fixtures';

const demo = (file: string) =>
  loadWorkflow(readFileSync(join(__dirname, '..', '..', 'demo', 'workflows', file), 'utf8'));

/** Every step id of a definition, nested ones included. */
const stepIds = (definition: WorkflowDefinition) => [...definition.index.keys()].sort();

const contains = (outer: PlacedStep, inner: PlacedStep) =>
  outer.x <= inner.x &&
  outer.y <= inner.y &&
  outer.x + outer.width >= inner.x + inner.width &&
  outer.y + outer.height >= inner.y + inner.height;

const overlap = (a: PlacedStep, b: PlacedStep) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('the workflow picture', () => {
  it('gives every step one box, bodies and branches inside their loop or parallel step', () => {
    const definition = demo('order-fulfilment.yml');
    const layout = layoutWorkflow(definition.steps);
    const box = (id: string) => layout.steps.find((s) => s.step.id === id) as PlacedStep;
    expect(layout.steps.map((s) => s.step.id).sort()).toEqual(stepIds(definition));
    for (const inner of ['fragile', 'check_item', 'pack_item'])
      expect(contains(box('inspect'), box(inner))).toBe(true);
    for (const inner of ['charge', 'reserve'])
      expect(contains(box('prepare'), box(inner))).toBe(true);
    // Boxes overlap only where one holds the other.
    for (const a of layout.steps)
      for (const b of layout.steps)
        if (a !== b && overlap(a, b)) expect(contains(a, b) || contains(b, a)).toBe(true);
    for (const s of layout.steps) {
      expect(s.x + s.width).toBeLessThanOrEqual(layout.width);
      expect(s.y + s.height).toBeLessThanOrEqual(layout.height);
    }
  });

  it('puts each step below the steps leading to it, and draws a loop back up as a back edge', () => {
    const definition = loadWorkflow({
      id: 'retry_until_done',
      name: 'Retry until done',
      version: '1',
      steps: [
        { id: 'begin', type: 'assign', set: { tries: 0 }, next: 'attempt' },
        { id: 'attempt', type: 'assign', set: { tries: 1 }, next: 'check' },
        {
          id: 'check',
          type: 'router',
          routes: [{ when: { field: 'tries', op: 'lt', value: 3 }, then: 'attempt' }],
          default: 'finish',
        },
        { id: 'finish', type: 'end' },
      ],
    });
    const layout = layoutWorkflow(definition.steps);
    const y = (id: string) => layout.steps.find((s) => s.step.id === id)!.y;
    expect(y('begin')).toBeLessThan(y('attempt'));
    expect(y('attempt')).toBeLessThan(y('check'));
    expect(y('check')).toBeLessThan(y('finish'));
    const back = layout.edges.filter((e) => e.back);
    expect(back.map((e) => `${e.from}>${e.to}`)).toEqual(['check>attempt']);
    expect(back[0].label).toBe('tries lt 3');
    expect(layout.edges.filter((e) => !e.back).map((e) => `${e.from}>${e.to}`)).toEqual(
      expect.arrayContaining(['begin>attempt', 'attempt>check', 'check>finish']),
    );
  });

  it('reads the path taken from the trail, nested entries included, and the current step only while unfinished', () => {
    const halted = newExecution({ status: 'halted', currentStep: 'check_item' });
    const trail = ['prepare:charge', 'prepare', 'inspect', 'inspect:fragile', 'inspect:check_item'];
    const state = graphState(
      halted,
      trail.map((step) => newEntry(halted, step)),
    );
    expect([...state.visited]).toEqual(['charge', 'prepare', 'inspect', 'fragile', 'check_item']);
    expect(state.current).toBe('check_item');
    expect(state.taken.has('fragile>check_item')).toBe(true);
    const done = graphState({ ...halted, status: 'completed' }, []);
    expect(done.current).toBeNull();
    const failed = graphState({ ...halted, status: 'failed' }, [
      newEntry(halted, 'inspect:pack_item', { action: 'failed', error: '{}' }),
    ]);
    expect(failed.failed).toBe('pack_item');
  });
});
