import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { DurableWorkflowStore, WorkflowSource } from '../../src';
import { engineWith } from '../support/engine-harness';
import { STORE_HARNESSES } from '../support/store-harnesses';
import {
  Calculator,
  Clock,
  FailingService,
  ItemProcessor,
  NotificationService,
  OrderInventoryService,
  OrderService,
  PaymentService,
  RecentOrderService,
  ShippingService,
  StockInventoryService,
  UserService,
} from '../fixtures/gem/services';

/**
 * The gem's tests (test/unit/core, test/integration) and examples, as YAML fixtures under
 * test/fixtures/gem run through the engine on each store, asserting what the gem's tests assert.
 */
const FIXTURES = join(__dirname, '../fixtures/gem');
const file = (name: string): WorkflowSource => join(FIXTURES, `${name}.yml`);
const data = <T>(name: string): T =>
  parse(readFileSync(join(FIXTURES, `${name}.yml`), 'utf8')) as T;

interface ConditionCase {
  field: string;
  op: string;
  value?: unknown;
  matched: boolean;
}
interface TransformCase {
  name: string;
  data: unknown;
  expression: unknown;
  expected: unknown;
}

describe.each(STORE_HARNESSES)('gem scenarios on %s', (_name, makeHarness) => {
  const harness = makeHarness();
  let store: DurableWorkflowStore;

  beforeAll(async () => {
    store = await harness.open();
  });
  afterAll(() => harness.close());

  describe('examples', () => {
    it('hello_world greets with the input and the time', async () => {
      const { engine } = engineWith(store, [file('hello_world')]);
      const run = await engine.run('hello_world', { name: 'World' });
      expect(run.status).toBe('completed');
      const result = run.result as { message: string; generated_at: string };
      expect(result.message).toBe('Hello, World!');
      expect(Number.isNaN(Date.parse(result.generated_at))).toBe(false);
    });

    it('calculator routes each operation to its service method', async () => {
      const { engine } = engineWith(store, [file('calculator')], { Calculator: new Calculator() });
      const answers: Record<string, number> = { add: 15, subtract: 5, multiply: 50, divide: 2 };
      for (const [operation, expected] of Object.entries(answers)) {
        const run = await engine.run('calculator', { operation, a: 10, b: 5 });
        expect(run.status).toBe('completed');
        expect(run.result).toMatchObject({ result: expected, error: null });
      }
      const unknown = await engine.run('calculator', { operation: 'modulo', a: 10, b: 5 });
      expect(unknown.result).toEqual({ result: null, operation: null, error: 'Unknown operation' });
    });

    it('item_processor aggregates the items through its service', async () => {
      const { engine } = engineWith(store, [file('item_processor')], {
        ItemProcessor: new ItemProcessor(),
      });
      const run = await engine.run('item_processor', {
        items: [
          { name: 'Widget', quantity: 3, price: 10 },
          { name: 'Gadget', quantity: 2, price: 25 },
          { name: 'Gizmo', quantity: 5, price: 5 },
        ],
      });
      expect(run.result).toEqual({
        item_count: 3,
        total: 105,
        average: 35,
        items: [
          { name: 'Widget', subtotal: 30 },
          { name: 'Gadget', subtotal: 50 },
          { name: 'Gizmo', subtotal: 25 },
        ],
      });
    });

    it('expense_approval approves small amounts and asks a manager for large ones', async () => {
      const { engine } = engineWith(store, [file('expense_approval')]);
      const small = await engine.run('expense_approval', {
        requester: 'Alice',
        amount: 50,
        description: 'Office supplies',
      });
      expect(small.result).toEqual({
        approved: true,
        approved_by: 'system',
        reason: 'Amount under threshold',
      });

      const large = await engine.run('expense_approval', {
        requester: 'Bob',
        amount: 500,
        description: 'Conference ticket',
      });
      expect(large.status).toBe('halted');
      expect(large.haltData).toMatchObject({
        type: 'approval',
        prompt: 'Please approve expense request',
        context: { requester: 'Bob', amount: 500, description: 'Conference ticket' },
      });
      const approved = await engine.resume(large.id, { approved: true });
      expect(approved.result).toEqual({ approved: true, approved_by: 'manager', reason: null });

      const other = await engine.run('expense_approval', {
        requester: 'Carol',
        amount: 900,
        description: 'Laptop',
      });
      const rejected = await engine.resume(other.id, { approved: false });
      expect(rejected.result).toEqual({
        approved: false,
        approved_by: 'manager',
        reason: 'Request rejected',
      });
    });

    it('inventory_check reserves what is in stock and reports what is not', async () => {
      const inventory = new StockInventoryService();
      const { engine } = engineWith(store, [file('inventory_check')], {
        InventoryService: inventory,
      });
      const reserved = await engine.run('inventory_check', { product_id: 'PROD-001', quantity: 5 });
      expect(reserved.result).toMatchObject({
        status: 'reserved',
        reservation: { product_id: 'PROD-001', quantity: 5, remaining: 45 },
        error: null,
      });
      for (const input of [
        { product_id: 'PROD-002', quantity: 1 },
        { product_id: 'PROD-003', quantity: 20 },
      ]) {
        const run = await engine.run('inventory_check', input);
        expect(run.result).toMatchObject({
          status: 'out_of_stock',
          availability: { in_stock: false },
          reservation: null,
          error: 'Insufficient stock available',
        });
      }
      expect(inventory.stock['PROD-003']).toBe(10);
    });

    it('dashboard_data fetches in parallel branches and reads each branch output after', async () => {
      const { engine } = engineWith(store, [file('dashboard_data')], {
        UserService: new UserService(),
        OrderService: new RecentOrderService(),
        NotificationService: new NotificationService(),
      });
      const run = await engine.run('dashboard_data', { user_id: 'USER-123' });
      expect(run.status).toBe('completed');
      const result = run.result as Record<string, unknown[] | Record<string, unknown>>;
      expect(result['user']).toMatchObject({ id: 'USER-123', name: 'User USER-123' });
      expect(result['recent_orders']).toHaveLength(5);
      expect(result['notifications']).toHaveLength(1);
    });

    describe('order_fulfillment', () => {
      const order = (overrides: Record<string, unknown> = {}) => ({
        order_id: 'ORD-1',
        customer: {
          id: 'CUST-001',
          email: 'alice@example.com',
          address: { city: 'San Francisco', state: 'CA' },
        },
        items: [
          { product_id: 'PROD-001', quantity: 2, price: 29.99 },
          { product_id: 'PROD-002', quantity: 1, price: 49.99 },
        ],
        payment: { method: 'credit_card', token: 'tok_visa_4242' },
        options: { expedited: false },
        ...overrides,
      });
      const fulfilment = () =>
        engineWith(store, [file('order_fulfillment')], {
          OrderService: new OrderService(),
          InventoryService: new OrderInventoryService(),
          PaymentService: new PaymentService(),
          ShippingService: new ShippingService(),
        });

      it('ships an order in stock', async () => {
        const { engine } = fulfilment();
        const run = await engine.run('order_fulfillment', order());
        expect(run.result).toEqual({
          order_id: 'ORD-1',
          status: 'completed',
          totals: { subtotal: 109.97, tax: 8.8, shipping: 5.99, total: 124.76 },
          payment_id: 'PAY-1',
          tracking_number: 'TRK1',
          error: null,
        });
      });

      it('stops an invalid order, one out of stock and one whose card is declined', async () => {
        const { engine } = fulfilment();
        const invalid = await engine.run('order_fulfillment', order({ customer: {} }));
        expect(invalid.result).toMatchObject({
          status: 'failed',
          error: 'Order validation failed',
        });
        const missing = await engine.run(
          'order_fulfillment',
          order({ items: [{ product_id: 'PROD-003', quantity: 1, price: 99.99 }] }),
        );
        expect(missing.result).toMatchObject({ status: 'out_of_stock', totals: null });
        const declined = await engine.run(
          'order_fulfillment',
          order({ payment: { method: 'credit_card', token: 'declined' } }),
        );
        expect(declined.result).toMatchObject({
          status: 'payment_failed',
          payment_id: null,
          error: 'Payment processing failed',
        });
      });

      it('asks for approval above 1000 and stops when a manager rejects', async () => {
        const { engine } = fulfilment();
        const big = order({ items: [{ product_id: 'PROD-004', quantity: 10, price: 199.99 }] });
        const halted = await engine.run('order_fulfillment', big);
        expect(halted.status).toBe('halted');
        expect(halted.haltData).toMatchObject({ type: 'approval', context: { total: 2165.88 } });
        const rejected = await engine.resume(halted.id, { approved: false });
        expect(rejected.result).toMatchObject({
          status: 'rejected',
          error: 'Order rejected by manager',
        });
        const again = await engine.run('order_fulfillment', { ...big, order_id: 'ORD-2' });
        const shipped = await engine.resume(again.id, { approved: true });
        expect(shipped.result).toMatchObject({ status: 'completed', tracking_number: 'TRK1' });
      });
    });
  });

  describe('test/integration/workflow_test.rb', () => {
    it('routes high and normal orders (complete workflow from YAML)', async () => {
      const { engine } = engineWith(store, [file('order_processing')]);
      const high = await engine.run('order_processing', { order_id: 'ORD-001', amount: 150 });
      expect(high.result).toEqual({
        order_id: 'ORD-001',
        validated: true,
        requires_approval: true,
      });
      const normal = await engine.run('order_processing', { order_id: 'ORD-002', amount: 50 });
      expect(normal.result).toEqual({
        order_id: 'ORD-002',
        validated: true,
        requires_approval: false,
      });
    });

    it('halts with its reason and resumes with the response', async () => {
      const { engine } = engineWith(store, [file('approval_workflow')]);
      const halted = await engine.run('approval_workflow');
      expect(halted.status).toBe('halted');
      expect(halted.haltData?.['reason']).toBe('Waiting for approval');
      const completed = await engine.resume(halted.id, { response: 'approved_data' });
      expect(completed.result).toEqual({ processed: true, value: 'approved_data' });
    });

    it('filters and plucks with a map expression', async () => {
      const { engine } = engineWith(store, [file('transform_workflow')]);
      const run = await engine.run('transform_workflow');
      expect(run.result).toEqual({ active_users: ['Alice', 'Charlie'] });
    });

    it('collects one loop result per item', async () => {
      const { engine } = engineWith(store, [file('loop_workflow')]);
      const run = await engine.run('loop_workflow');
      expect(run.result).toEqual({
        loop_results: [{ doubled: 1 }, { doubled: 2 }, { doubled: 3 }],
      });
    });

    it('continues at on_error with the error in _last_error', async () => {
      const { engine } = engineWith(store, [file('error_workflow')], {
        FailingService: new FailingService(),
      });
      const run = await engine.run('error_workflow');
      expect(run.status).toBe('completed');
      expect(run.result).toMatchObject({
        status: 'error',
        error: { step: 'risky', message: 'Intentional failure', class: 'Error' },
      });
    });

    it('records one entry per step', async () => {
      const { engine, trail } = engineWith(store, [file('simple')]);
      const run = await engine.run('simple');
      expect(await trail(run.id)).toEqual([
        'start:completed',
        'step1:completed',
        'step2:completed',
        'end:completed',
      ]);
    });
  });

  describe('test/unit/core', () => {
    it('condition_test: every operator, as the gem evaluates it', async () => {
      const { context, cases } = data<{
        context: Record<string, unknown>;
        cases: ConditionCase[];
      }>('conditions');
      const workflows = cases.map((c, index) => ({
        id: `condition_${index}`,
        name: `${c.field} ${c.op}`,
        steps: [
          { id: 'setup', type: 'assign', set: context, next: 'check' },
          {
            id: 'check',
            type: 'router',
            routes: [{ when: { field: c.field, op: c.op, value: c.value }, then: 'yes' }],
            default: 'no',
          },
          { id: 'yes', type: 'end', result: true },
          { id: 'no', type: 'end', result: false },
        ],
      }));
      const { engine } = engineWith(store, workflows);
      const answers = [];
      for (const workflow of workflows) answers.push((await engine.run(workflow.id)).result);
      expect(answers).toEqual(cases.map((c) => c.matched));
    });

    it('condition_test: the first matching route wins; no match and no default fails', async () => {
      const { engine } = engineWith(store, [file('route_order')]);
      expect((await engine.run('route_order', { count: 10 })).result).toBe('medium');
      expect((await engine.run('route_order', { count: 500 })).result).toBe('high');
      const none = await engine.run('route_order', { count: 0 });
      expect(none.status).toBe('failed');
      expect(none.error).toMatch(/no route matched/);
    });

    it('transform_test: every op, in the gem map form and the list form', async () => {
      const { cases } = data<{ cases: TransformCase[] }>('transforms');
      const workflows = cases.map((c, index) => ({
        id: `transform_${index}`,
        name: c.name,
        steps: [
          { id: 'setup', type: 'assign', set: { data: c.data }, next: 'apply' },
          {
            id: 'apply',
            type: 'transform',
            input: 'data',
            expression: c.expression,
            output: 'result',
            next: 'done',
          },
          { id: 'done', type: 'end', result: '$result' },
        ],
      }));
      const { engine } = engineWith(store, workflows);
      const answers = [];
      for (const workflow of workflows) answers.push((await engine.run(workflow.id)).result);
      expect(answers).toEqual(cases.map((c) => c.expected));
    });

    it('transform_test: without input the expression applies to the whole context', async () => {
      const { engine } = engineWith(store, [
        {
          id: 'whole_context',
          name: 'Whole context',
          steps: [
            { id: 'setup', type: 'assign', set: { a: 1, b: 2 }, next: 'apply' },
            {
              id: 'apply',
              type: 'transform',
              expression: { pick: ['a', 'b'] },
              output: 'picked',
              next: 'done',
            },
            { id: 'done', type: 'end', result: '$picked' },
          ],
        },
      ]);
      expect((await engine.run('whole_context')).result).toEqual({ a: 1, b: 2 });
    });

    it('halt_test / engine_test: halts, resumes at resume_step, defaults the reason', async () => {
      const { engine } = engineWith(store, [file('halts')]);
      const first = await engine.run('halts', { why: 'Need a signature' });
      expect(first.status).toBe('halted');
      expect(first.haltData).toMatchObject({ reason: 'Need a signature', ticket: 'T-1' });
      expect(Number.isNaN(Date.parse(String(first.haltData?.['halted_at'])))).toBe(false);
      expect(first.recoverTo).toBe('after_ask');
      const second = await engine.resume(first.id, { response: 'signed' });
      expect(second.status).toBe('halted');
      expect(second.haltData?.['reason']).toBe('Halted');
      const done = await engine.resume(first.id, { response: 'shipped' });
      expect(done.result).toEqual({ first: 'signed', second: 'shipped' });
    });

    it('approval_test: halts with its data at itself; approved and rejected go their ways', async () => {
      const { engine } = engineWith(store, [file('approval')]);
      const halted = await engine.run('approval', { amount: 250 });
      expect(halted.currentStep).toBe('review');
      expect(halted.haltData).toMatchObject({
        type: 'approval',
        prompt: 'Approve 250?',
        context: { amount: 250 },
        approvers: ['manager', 'finance'],
      });
      expect((await engine.resume(halted.id, { approved: true })).result).toEqual({
        outcome: 'approved',
        approved: true,
      });
      const other = await engine.run('approval', { amount: 250 });
      expect((await engine.resume(other.id, { approved: false })).result).toEqual({
        outcome: 'rejected',
        approved: false,
      });
    });

    it('approval_test: rejected without on_reject fails', async () => {
      const { engine } = engineWith(store, [file('approval_without_reject')]);
      const halted = await engine.run('approval_without_reject');
      const failed = await engine.resume(halted.id, { approved: false });
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/rejected/);
    });

    it('loop_test: results collected, loop variables removed, break_loop ends a while loop', async () => {
      const { engine } = engineWith(store, [file('loops')]);
      const run = await engine.run('loops', { items: ['x', 'y'] });
      expect(run.status).toBe('completed');
      const ctx = run.result as Record<string, unknown>;
      expect(ctx['labels']).toEqual([{ last_label: '0:x' }, { last_label: '1:y' }]);
      expect(ctx['bumps']).toHaveLength(3);
      expect(ctx['broken']).toEqual([{ went_on: 1 }, { went_on: 2 }]);
      expect(ctx['counter']).toBe(2);
      for (const name of ['item', 'position', 'index', 'iteration', 'break_loop']) {
        expect(ctx).not.toHaveProperty(name);
      }
    });

    it('parallel_test: all, any and a count of branches', async () => {
      const { engine } = engineWith(store, [file('parallel_waits')]);
      const run = await engine.run('parallel_waits');
      expect(run.status).toBe('completed');
      const result = run.result as Record<string, unknown[]>;
      expect(result['a']).toBe(1);
      expect(result['b']).toBe(2);
      expect(['c', 'd']).toContain(result['either']);
      expect(result['all_results']).toEqual([{ from_a: 1 }, { from_b: 2 }]);
      expect(result['any_results'].filter((r) => r !== null)).toHaveLength(1);
      expect(result['two_results'].filter((r) => r !== null)).toHaveLength(2);
    });

    it('parallel_test: no branches continues at once with no results', async () => {
      const { engine } = engineWith(store, [
        {
          id: 'no_branches',
          name: 'No branches',
          steps: [
            { id: 'fan', type: 'parallel', branches: [], output: 'results', next: 'done' },
            { id: 'done', type: 'end', result: '$results' },
          ],
        },
      ]);
      expect((await engine.run('no_branches')).result).toEqual([]);
    });

    it('loop_test: a foreach loop over something that is not a list fails', async () => {
      const { engine } = engineWith(store, [
        {
          id: 'not_a_list',
          name: 'Not a list',
          steps: [
            { id: 'setup', type: 'assign', set: { items: 'nope' }, next: 'each' },
            {
              id: 'each',
              type: 'loop',
              over: '$items',
              do: [{ id: 'x', type: 'assign', set: {} }],
            },
          ],
        },
      ]);
      const run = await engine.run('not_a_list');
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/not a list/);
    });

    it('workflow_test: the child runs with its input references resolved', async () => {
      const { engine } = engineWith(
        store,
        [file('sub_workflow_parent'), file('sub_workflow_child')],
        { Clock: new Clock() },
      );
      const run = await engine.run('sub_workflow_parent', { name: 'Ada' });
      expect(run.result).toEqual({ said: 'Hello, Ada', ticked: 'tick for Hello, Ada' });
    });

    it('workflow timeout: a child that takes too long is cancelled and on_error is taken', async () => {
      const clock = new Clock();
      clock.holding = true;
      const { engine } = engineWith(
        store,
        [file('sub_workflow_impatient'), file('sub_workflow_child')],
        { Clock: clock },
      );
      const run = await engine.run('sub_workflow_impatient', { name: 'Ada' });
      expect(run.status).toBe('completed');
      const error = (run.result as { error: Record<string, string> }).error;
      expect(error).toMatchObject({ step: 'child', name: 'SubWorkflowTimeoutError' });
      const childId = /execution (\S+)\)/.exec(error['message'])?.[1] as string;
      expect((await engine.cancel(childId).catch((e: Error) => e.name)) as string).toBe(
        'ExecutionStateError',
      );
      expect((await store.load(childId))?.status).toBe('cancelled');
      clock.release();
    });

    it('workflow timeout: a child halted past the deadline is cancelled when the timer fires', async () => {
      const parent = {
        id: 'waits_on_approval',
        name: 'Waits on an approval',
        steps: [
          {
            id: 'child',
            type: 'workflow',
            workflow_id: 'needs_approval',
            timeout: 60,
            on_error: 'gave_up',
            next: 'done',
          },
          { id: 'done', type: 'end', result: 'approved' },
          { id: 'gave_up', type: 'end', result: '$_last_error.name' },
        ],
      };
      const child = {
        id: 'needs_approval',
        name: 'Needs approval',
        steps: [{ id: 'review', type: 'approval', prompt: 'OK?' }],
      };
      const { engine, advance } = engineWith(store, [parent, child]);
      const halted = await engine.run('waits_on_approval');
      expect(halted.status).toBe('halted');
      const childId = String(halted.haltData?.['child_execution_id']);
      const deadline = Date.parse(String(halted.haltData?.['timeout_at']));
      expect(deadline - (await store.load(childId))!.createdAt.getTime()).toBe(60_000);

      expect((await engine.fireTimer(halted.id)).status).toBe('halted');
      advance(61_000);
      const gaveUp = await engine.fireTimer(halted.id);
      expect(gaveUp.result).toBe('SubWorkflowTimeoutError');
      expect((await store.load(childId))?.status).toBe('cancelled');
    });

    it('engine_test and round two: what the record keeps, $history, _last_error.class', async () => {
      const { engine } = engineWith(store, [file('record_keys')], {
        FailingService: new FailingService(),
      });
      const halted = await engine.run('record_keys', { order_id: 'A-7', note: 42 });
      expect(halted.ctx['input']).toEqual({ order_id: 'A-7', note: 42 });
      const review = await engine.resume(halted.id, { response: { size: 'L' } });
      expect(review.ctx['response']).toEqual({ size: 'L' });
      const done = await engine.resume(halted.id, { approved: true });
      expect(done.error).toBeNull();
      expect(done.status).toBe('completed');
      expect(done.result).toEqual({ order: 'A-7', note: 42, error_class: 'Error' });
      expect(done.ctx['result']).toEqual(done.result);
      expect(done.ctx['approved']).toBe(true);
      expect(done.ctx['response']).toBeNull();
      expect(done.ctx['error_name']).toBe('Error');
      expect(done.ctx['steps_so_far']).toEqual([
        { step: 'start', type: 'start', output: { order_id: 'A-7', note: 42 } },
        { step: 'ask', type: 'halt', output: { approved: null, response: { size: 'L' } } },
        { step: 'review', type: 'approval', output: expect.anything() },
      ]);
    });
  });
});
