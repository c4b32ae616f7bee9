import { Test } from '@nestjs/testing';
import { WorkflowService } from 'nestjs-durable-workflow';
import { DurableWorkflowTestingModule, WorkflowTestClock } from 'nestjs-durable-workflow/testing';

const hourly = {
  id: 'hourly',
  name: 'Every hour on the hour',
  schedule: { cron: '0 * * * *' },
  steps: [{ id: 'tick', type: 'assign', set: { ticked: true } }],
};

describe('a schedule under the testing clock', () => {
  it('ticks as the clock advances, one execution per hour passed', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [DurableWorkflowTestingModule.forRoot({ workflows: [hourly] })],
    }).compile();
    await moduleRef.init();
    try {
      const workflows = moduleRef.get(WorkflowService);
      const clock = moduleRef.get(WorkflowTestClock);
      expect(await workflows.find({ workflowId: 'hourly' })).toEqual([]);
      const [{ nextRunAt }] = await workflows.schedules();

      await clock.advance('3h');
      const started = await workflows.find({ workflowId: 'hourly' });
      const ticks = started.map((e) => e.runtime?.scheduledFor).sort();
      expect(ticks).toHaveLength(3);
      expect(ticks[0]).toBe(nextRunAt.toISOString());
      for (const execution of started)
        expect((await workflows.wait(execution.id)).status).toBe('completed');
    } finally {
      await moduleRef.close();
    }
  });
});
