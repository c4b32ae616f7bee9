import { Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import { InvalidOptionError, WorkflowCallable, WorkflowService } from '../../src';
import { DurableWorkflowTestingModule, WorkflowTestClock } from '../../src/testing';
import type { DurableWorkflowTestingOptions } from '../../src/testing';

@WorkflowCallable('ledger')
@Injectable()
class LedgerService {
  readonly posted: unknown[] = [];
  post(input: { amount: number }) {
    this.posted.push(input);
    return { posted: input.amount };
  }
}

const WORKFLOWS = [
  {
    id: 'expense',
    name: 'An approval that expires after three hours',
    inputs: { amount: { type: 'number' } },
    steps: [
      { id: 'init', type: 'assign', set: { expired: false, payment: null }, next: 'ask' },
      {
        id: 'ask',
        type: 'approval',
        prompt: 'Pay it?',
        timeout: 3 * 3600,
        on_timeout: 'expired',
        next: 'pay',
      },
      {
        id: 'pay',
        type: 'call',
        service: 'ledger',
        method: 'post',
        input: { amount: '$amount' },
        output: 'payment',
        next: 'done',
      },
      { id: 'expired', type: 'assign', set: { expired: true }, next: 'done' },
      { id: 'done', type: 'end', result: { expired: '$expired', payment: '$payment' } },
    ],
  },
  {
    id: 'awaiting_payment',
    name: 'Waits two days for the payment',
    inputs: { order: { type: 'string' } },
    steps: [
      {
        id: 'payment',
        type: 'event',
        name: 'payment.received',
        match: { order: '$order' },
        timeout: 2 * 86_400,
        on_timeout: 'unpaid',
        next: 'paid',
      },
      { id: 'paid', type: 'end', result: { paid: true } },
      { id: 'unpaid', type: 'end', result: { paid: false } },
    ],
  },
  ...[1, 2].map((hours) => ({
    id: `nap_${hours}h`,
    name: `Waits ${hours} hour(s)`,
    steps: [
      { id: 'nap', type: 'wait', seconds: hours * 3600, next: 'woke' },
      { id: 'woke', type: 'assign', set: { woke: true } },
    ],
  })),
];

describe('DurableWorkflowTestingModule and WorkflowTestClock', () => {
  let moduleRef: TestingModule;
  let workflows: WorkflowService;
  let clock: WorkflowTestClock;

  async function open(options: Partial<DurableWorkflowTestingOptions> = {}): Promise<void> {
    moduleRef = await Test.createTestingModule({
      imports: [
        DurableWorkflowTestingModule.forRoot({
          workflows: WORKFLOWS,
          providers: [LedgerService],
          ...options,
        }),
      ],
    }).compile();
    await moduleRef.init();
    workflows = moduleRef.get(WorkflowService);
    clock = moduleRef.get(WorkflowTestClock);
  }

  afterEach(() => moduleRef?.close());

  it('expires an approval when the clock passes its timeout, and not a moment before', async () => {
    await open();
    const { id } = await workflows.start('expense', { amount: 40 });
    const halted = await workflows.wait(id);
    expect(halted.haltData?.['expires_at']).toBe(
      new Date(clock.now().getTime() + 3 * 3600_000).toISOString(),
    );

    await clock.advance('2h59m');
    expect((await workflows.get(id))?.status).toBe('halted');
    await clock.advance('1m');
    const done = await workflows.get(id);
    expect(done).toMatchObject({ status: 'completed', result: { expired: true, payment: null } });
    expect(moduleRef.get(LedgerService).posted).toEqual([]);
  });

  it("times an event's wait out when the clock passes its timeout, and not a moment before", async () => {
    await open();
    const { id } = await workflows.start('awaiting_payment', { order: 'A-7' });
    expect((await workflows.wait(id)).status).toBe('halted');
    await clock.advance('47h59m');
    expect((await workflows.get(id))?.status).toBe('halted');
    await clock.advance('1m');
    expect(await workflows.get(id)).toMatchObject({
      status: 'completed',
      result: { paid: false },
    });
  });

  it('runs the real @WorkflowCallable providers it is given', async () => {
    await open();
    const { id } = await workflows.start('expense', { amount: 40 });
    await workflows.wait(id);
    await workflows.resumeNow(id, { approved: true });
    expect((await workflows.get(id))?.result).toEqual({ expired: false, payment: { posted: 40 } });
    expect(moduleRef.get(LedgerService).posted).toEqual([{ amount: 40 }]);
  });

  it('puts a stand-in in place of a provider of the same name', async () => {
    const fake = { post: jest.fn(() => ({ posted: 'fake' })) };
    await open({ callables: { ledger: fake } });
    const { id } = await workflows.start('expense', { amount: 7 });
    await workflows.wait(id);
    await workflows.resumeNow(id, { approved: true });
    expect(fake.post).toHaveBeenCalledWith({ amount: 7 });
    expect(moduleRef.get(LedgerService).posted).toEqual([]);
  });

  it('fires the timers that fell due in the order they come, each at its own time', async () => {
    await open();
    const short = await workflows.start('nap_1h');
    const long = await workflows.start('nap_2h');
    await Promise.all([workflows.wait(short.id), workflows.wait(long.id)]);
    const began = clock.now().getTime();

    await clock.advance('90m');
    expect((await workflows.get(short.id))?.status).toBe('completed');
    expect((await workflows.get(long.id))?.status).toBe('halted');
    const woke = (await workflows.entries(short.id)).find(
      (entry) => entry.stepId === 'nap' && entry.action === 'completed',
    );
    // The wait ended at its own due time, not at the end of the advance.
    expect(woke?.timestamp.getTime()).toBe(began + 3600_000);
    expect(clock.now().getTime()).toBe(began + 90 * 60_000);

    await clock.advance(30 * 60_000);
    expect((await workflows.get(long.id))?.status).toBe('completed');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('refuses a duration it cannot read, naming the forms it takes', async () => {
    await open();
    await expect(clock.advance('2 days')).rejects.toThrow(InvalidOptionError);
    await expect(clock.advance('2 days')).rejects.toThrow(/'2d', '3h', '1h30m'/);
    await expect(clock.advance(-1)).rejects.toThrow(InvalidOptionError);
  });

  it("is what the README's testing section shows, word for word", () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Testing your workflows'));
    const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toBe(readFileSync(join(__dirname, 'readme-two-day-wait.spec.ts'), 'utf8'));
  });
});
