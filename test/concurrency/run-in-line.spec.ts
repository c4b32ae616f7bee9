import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { WorkflowCallable, WorkflowService } from '../../src';
import { DurableWorkflowTestingModule } from '../../src/testing';
import { until } from '../support/until';

/** Holds each execution in its step until the test lets it go; counts how many were inside at once. */
@WorkflowCallable('gate')
@Injectable()
class GateService {
  readonly entered: string[] = [];
  mostInside = 0;
  private readonly inside = new Map<string, () => void>();
  private readonly watchers: (() => void)[] = [];

  async pass(input: { name: string }): Promise<{ name: string }> {
    this.entered.push(input.name);
    this.mostInside = Math.max(this.mostInside, this.inside.size + 1);
    await new Promise<void>((resolve) => {
      this.inside.set(input.name, resolve);
      this.watchers.splice(0).forEach((watch) => watch());
    });
    return input;
  }

  async holding(name: string): Promise<void> {
    while (!this.inside.has(name)) await new Promise<void>((r) => this.watchers.push(r));
  }

  release(name: string): void {
    this.inside.get(name)!();
    this.inside.delete(name);
  }
}

const pass = {
  id: 'pass',
  type: 'call',
  service: 'gate',
  method: 'pass',
  input: { name: '$name' },
  output: 'passed',
};

const WORKFLOWS = [
  {
    id: 'one_at_a_time',
    name: 'One at a time',
    inputs: { name: { type: 'string' } },
    concurrency: { limit: 1 },
    steps: [pass],
  },
  {
    id: 'reviewed_one_at_a_time',
    name: 'Approved, then one at a time',
    inputs: { name: { type: 'string' } },
    concurrency: { limit: 1 },
    steps: [{ id: 'ask', type: 'approval', prompt: 'Go?', next: 'pass' }, pass],
  },
];

describe('run() and resumeNow() of a workflow whose concurrency slot is taken', () => {
  let moduleRef: TestingModule;
  let workflows: WorkflowService;
  let gate: GateService;

  beforeEach(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        DurableWorkflowTestingModule.forRoot({ workflows: WORKFLOWS, providers: [GateService] }),
      ],
    }).compile();
    await moduleRef.init();
    workflows = moduleRef.get(WorkflowService);
    gate = moduleRef.get(GateService);
  });
  afterEach(() => moduleRef.close());

  it('run() waits its turn, then resolves with the execution as its run left it', async () => {
    const first = await workflows.start('one_at_a_time', { name: 'first' });
    await gate.holding('first');

    const executionId = randomUUID();
    const running = workflows.run('one_at_a_time', { name: 'second' }, { executionId });
    // Saved pending, in line behind the first, before the first lets its slot go.
    const waiting = await until(
      () => workflows.get(executionId),
      (execution) => execution !== null,
    );
    expect(waiting).toMatchObject({ status: 'pending' });
    gate.release('first');
    await gate.holding('second');
    gate.release('second');

    const second = await running;
    expect(second).toMatchObject({ status: 'completed', ctx: { passed: { name: 'second' } } });
    expect((await workflows.wait(first.id)).status).toBe('completed');
    expect(gate.entered).toEqual(['first', 'second']);
    expect(gate.mostInside).toBe(1);
  });

  it('resumeNow() of a parked resume resolves once the run applying it ends', async () => {
    const first = await workflows.start('reviewed_one_at_a_time', { name: 'first' });
    const second = await workflows.start('reviewed_one_at_a_time', { name: 'second' });
    expect((await workflows.wait(first.id)).status).toBe('halted');
    expect((await workflows.wait(second.id)).status).toBe('halted');
    await workflows.resume(first.id, { approved: true });
    await gate.holding('first');

    const resumed = workflows.resumeNow(second.id, { approved: true });
    gate.release('first');
    await gate.holding('second');
    gate.release('second');

    expect(await resumed).toMatchObject({
      status: 'completed',
      ctx: { passed: { name: 'second' } },
    });
    expect(gate.entered).toEqual(['first', 'second']);
    expect(gate.mostInside).toBe(1);
  });
});
