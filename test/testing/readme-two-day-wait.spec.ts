import { Test } from '@nestjs/testing';
import { WorkflowService } from 'nestjs-durable-workflow';
import { DurableWorkflowTestingModule, WorkflowTestClock } from 'nestjs-durable-workflow/testing';

const trialReminder = {
  id: 'trial_reminder',
  name: 'Remind a trial user two days after sign-up',
  inputs: { email: { type: 'string' } },
  steps: [
    {
      id: 'welcome',
      type: 'call',
      service: 'mailer',
      method: 'send',
      input: { to: '$email', template: 'welcome' },
      next: 'two_days',
    },
    { id: 'two_days', type: 'wait', seconds: 2 * 24 * 60 * 60, next: 'remind' },
    {
      id: 'remind',
      type: 'call',
      service: 'mailer',
      method: 'send',
      input: { to: '$email', template: 'reminder' },
    },
  ],
};

describe('trial reminder', () => {
  const mailer = { send: jest.fn(async () => ({ sent: true })) };
  let workflows: WorkflowService;
  let clock: WorkflowTestClock;
  let close: () => Promise<void>;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        DurableWorkflowTestingModule.forRoot({ workflows: [trialReminder], callables: { mailer } }),
      ],
    }).compile();
    await moduleRef.init();
    workflows = moduleRef.get(WorkflowService);
    clock = moduleRef.get(WorkflowTestClock);
    close = () => moduleRef.close();
  });

  afterEach(() => close());

  it('sends the reminder two days after the welcome mail, not before', async () => {
    const { id } = await workflows.start('trial_reminder', { email: 'ana@example.com' });
    expect((await workflows.wait(id)).status).toBe('halted');
    expect(mailer.send).toHaveBeenCalledTimes(1);

    await clock.advance('47h');
    expect(mailer.send).toHaveBeenCalledTimes(1);

    await clock.advance('1h');
    expect((await workflows.get(id))?.status).toBe('completed');
    expect(mailer.send).toHaveBeenLastCalledWith({ to: 'ana@example.com', template: 'reminder' });
  });
});
