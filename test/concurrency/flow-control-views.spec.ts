import { Injectable, type INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowCallable, WorkflowService } from '../../src';
import { bootHttpApp } from '../support/http-app';

@WorkflowCallable('desk')
@Injectable()
class Desk {
  private readonly releases: (() => void)[] = [];
  private readonly watchers: (() => void)[] = [];

  async serve(): Promise<{ served: true }> {
    await new Promise<void>((resolve) => {
      this.releases.push(resolve);
      this.watchers.splice(0).forEach((watch) => watch());
    });
    return { served: true };
  }

  async busy(): Promise<void> {
    while (this.releases.length === 0) await new Promise<void>((r) => this.watchers.push(r));
  }

  releaseAll(): void {
    this.releases.splice(0).forEach((release) => release());
  }
}

const workflows = [
  {
    id: 'counter',
    name: 'One customer at a time',
    inputs: { customer: { type: 'string' } },
    concurrency: { limit: 1, key: '$input.customer' },
    steps: [{ id: 'serve', type: 'call', service: 'desk', method: 'serve' }],
  },
  {
    id: 'nightly',
    name: 'Every night in Paris',
    schedule: { cron: '0 2 * * *', timezone: 'Europe/Paris' },
    steps: [{ id: 'sweep', type: 'assign', set: { swept: true } }],
  },
];

describe('schedules and concurrency in the API and the dashboard', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-flow-views-'));
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    ({ app, url: base } = await bootHttpApp({
      platform: 'express',
      sqliteFile: join(dir, 'views.sqlite'),
      workflows,
      providers: [Desk],
      http: { path: 'wf', guards: [{ canActivate: () => true }] },
    }));
  });
  afterAll(async () => {
    app.get(Desk).releaseAll();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the schedules with their next run', async () => {
    const schedules = await app.get(WorkflowService).schedules();
    expect(schedules).toEqual([
      {
        workflowId: 'nightly',
        cron: '0 2 * * *',
        timezone: 'Europe/Paris',
        nextRunAt: expect.any(Date),
      },
    ]);
    const next = schedules[0].nextRunAt;
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit' }).format(next),
    ).toBe('02');
    const page = await (await fetch(`${base}/wf/dashboard`)).text();
    expect(page).toContain('id="schedules"');
    expect(page).toContain(next.toISOString());
  });

  it('says what a pending execution waits for', async () => {
    const service = app.get(WorkflowService);
    const first = await service.start('counter', { customer: 'ada' });
    await app.get(Desk).busy();
    const second = await service.start('counter', { customer: 'ada' });

    const view = (await (await fetch(`${base}/wf/executions/${second.id}`)).json()) as Record<
      string,
      unknown
    >;
    expect(view['status']).toBe('pending');
    expect(view['waitingFor']).toEqual({ concurrency: 'ada' });
    const running = (await (await fetch(`${base}/wf/executions/${first.id}`)).json()) as Record<
      string,
      unknown
    >;
    expect(running['waitingFor']).toBeUndefined();

    const detail = await (await fetch(`${base}/wf/dashboard/executions/${second.id}`)).text();
    expect(detail).toContain('id="waiting-for"');
    expect(detail).toContain('<code>ada</code>');
    app.get(Desk).releaseAll();
    await service.wait(first.id);
  });
});
