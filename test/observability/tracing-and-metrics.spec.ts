import { SpanStatusCode } from '@opentelemetry/api';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Test, type TestingModule } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { WorkflowService } from '../../src';
import { DurableWorkflowTestingModule, WorkflowTestClock } from '../../src/testing';
import { postgresAdmin } from '../support/postgres-admin';
import { bootQueueApp, type QueueAppConfig } from '../support/queue-app';
import { tearDownQueueSuite } from '../support/queue-teardown';
import { InMemoryTelemetry, spanNamed } from './telemetry-sdk';

jest.setTimeout(60_000);

const telemetry = new InMemoryTelemetry();
beforeAll(() => telemetry.register());
afterAll(() => telemetry.shutdown());

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const done = (name: string) => (spans: ReadableSpan[]) => spans.some((s) => s.name === name);

/** Histogram points whose attributes include `match`. */
async function histogram(name: string, match: Record<string, string>): Promise<Histogram[]> {
  return (await telemetry.points(name))
    .filter((point) => Object.entries(match).every(([k, v]) => point.attributes[k] === v))
    .map((point) => point.value as Histogram);
}

async function counted(name: string, match: Record<string, string>): Promise<number> {
  return (await telemetry.points(name))
    .filter((point) => Object.entries(match).every(([k, v]) => point.attributes[k] === v))
    .reduce((sum, point) => sum + (point.value as number), 0);
}

describe('tracing and metrics, in process', () => {
  let moduleRef: TestingModule;
  let workflows: WorkflowService;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        DurableWorkflowTestingModule.forRoot({
          workflows: [
            {
              id: 'checkout',
              name: 'Approve, then charge',
              steps: [
                { id: 'ask', type: 'approval', prompt: 'Charge?', next: 'charge' },
                { id: 'charge', type: 'call', service: 'cards', method: 'charge' },
              ],
            },
            {
              id: 'paid',
              name: 'Waits for the payment, then a step',
              steps: [
                {
                  id: 'payment',
                  type: 'event',
                  name: 'payment.received',
                  match: { order: '$input.order' },
                  next: 'thanks',
                },
                { id: 'thanks', type: 'assign', set: { thanked: true } },
              ],
            },
            {
              id: 'nap',
              name: 'A minute, then a step',
              steps: [
                { id: 'nap', type: 'wait', seconds: 60, next: 'woke' },
                { id: 'woke', type: 'assign', set: { woke: true } },
              ],
            },
          ],
          callables: {
            cards: {
              charge: () => {
                throw new Error('card declined');
              },
            },
          },
        }),
      ],
    }).compile();
    await moduleRef.init();
    workflows = moduleRef.get(WorkflowService);
  });
  afterAll(() => moduleRef.close());

  it('puts the runs and steps of an execution in the trace of its start, linking the resume', async () => {
    const started = await telemetry.inSpan('POST /checkout', () => workflows.start('checkout'));
    const id = started.result.id;
    await workflows.wait(id);
    const resumed = await telemetry.inSpan('POST /approve', () =>
      workflows.resumeNow(id, { approved: true }),
    );
    expect(resumed.result.status).toBe('failed');

    const spans = await telemetry.spansOf(id, done('workflow.resume checkout'));
    const drive = spanNamed(spans, 'workflow.drive checkout');
    const resume = spanNamed(spans, 'workflow.resume checkout');
    const ask = spanNamed(spans, 'workflow.step ask');
    const charge = spanNamed(spans, 'workflow.step charge');
    for (const span of spans) expect(span.spanContext().traceId).toBe(started.span.traceId);
    expect(parentOf(drive)).toBe(started.span.spanId);
    expect(parentOf(resume)).toBe(started.span.spanId);
    expect(resume.links.map((link) => link.context.spanId)).toEqual([resumed.span.spanId]);
    expect(parentOf(ask)).toBe(drive.spanContext().spanId);
    expect(parentOf(charge)).toBe(resume.spanContext().spanId);
    expect(ask.attributes).toMatchObject({
      'workflow.id': 'checkout',
      'workflow.version': started.result.workflowVersion,
      'workflow.execution.id': id,
      'workflow.step.id': 'ask',
      'workflow.step.type': 'approval',
      'workflow.step.attempt': 1,
      'workflow.step.outcome': 'halt',
    });

    // The failure: on the step (with the exception) and on the run that ended in it.
    expect(charge.status).toEqual({ code: SpanStatusCode.ERROR, message: 'card declined' });
    expect(charge.events.map((event) => event.name)).toEqual(['exception']);
    expect(resume.status.code).toBe(SpanStatusCode.ERROR);
    expect(resume.attributes['workflow.execution.status']).toBe('failed');
    expect(drive.status.code).toBe(SpanStatusCode.UNSET);

    expect(await counted('workflow.executions.started', { 'workflow.id': 'checkout' })).toBe(1);
    expect(
      await counted('workflow.executions.ended', {
        'workflow.id': 'checkout',
        'workflow.outcome': 'failed',
      }),
    ).toBe(1);
    const failedSteps = await histogram('workflow.step.duration', {
      'workflow.id': 'checkout',
      'workflow.step.id': 'charge',
      'workflow.outcome': 'failed',
    });
    expect(failedSteps.map((point) => point.count)).toEqual([1]);
    const latency = await histogram('workflow.resume.latency', { 'workflow.id': 'checkout' });
    expect(latency.map((point) => point.count)).toEqual([1]);
  });

  it('links the run an event resumed to the sendEvent caller, in the trace of the start', async () => {
    const started = await telemetry.inSpan('POST /orders', () =>
      workflows.start('paid', { order: 'A-7' }),
    );
    const id = started.result.id;
    expect((await workflows.wait(id)).status).toBe('halted');
    const sent = await telemetry.inSpan('POST /events/payment.received', () =>
      workflows.sendEvent('payment.received', { order: 'A-7' }),
    );
    expect(sent.result.delivered).toEqual([id]);
    expect((await workflows.wait(id)).status).toBe('completed');

    const spans = await telemetry.spansOf(id, done('workflow.resume paid'));
    const resume = spanNamed(spans, 'workflow.resume paid');
    expect(resume.spanContext().traceId).toBe(started.span.traceId);
    expect(parentOf(resume)).toBe(started.span.spanId);
    expect(resume.links.map((link) => link.context.spanId)).toEqual([sent.span.spanId]);
  });

  it('runs a timer in the trace of the start, as a run of its own', async () => {
    const started = await telemetry.inSpan('POST /nap', () => workflows.start('nap'));
    const id = started.result.id;
    await workflows.wait(id);
    await moduleRef.get(WorkflowTestClock).advance('1m');
    const spans = await telemetry.spansOf(id, done('workflow.timer nap'));
    const timer = spanNamed(spans, 'workflow.timer nap');
    expect(parentOf(timer)).toBe(started.span.spanId);
    expect(timer.attributes).toMatchObject({
      'workflow.run.kind': 'timer',
      'workflow.execution.status': 'completed',
    });
    expect(parentOf(spanNamed(spans, 'workflow.step woke'))).toBe(timer.spanContext().spanId);
  });

  it('counts cancelled executions by workflow and outcome', async () => {
    const { id } = await workflows.start('checkout');
    await workflows.wait(id);
    await workflows.cancel(id);
    expect(
      await counted('workflow.executions.ended', {
        'workflow.id': 'checkout',
        'workflow.outcome': 'cancelled',
      }),
    ).toBe(1);
  });
});

describe('tracing and metrics, in queue mode', () => {
  const suffix = randomBytes(4).toString('hex');
  const config: QueueAppConfig = {
    schema: `dw_otel_${suffix}`,
    prefix: `dwo-${suffix}`,
    worker: true,
    runMigrations: true,
  };
  let app: TestingModule;

  beforeAll(async () => {
    await postgresAdmin(`CREATE SCHEMA ${config.schema}`);
    app = await bootQueueApp(config);
  });
  afterAll(() =>
    tearDownQueueSuite({ workers: [], web: app, schemas: [config.schema], prefix: config.prefix }),
  );

  it('forms one trace from the start call, through the approval, to the last step', async () => {
    const workflows = app.get(WorkflowService);
    const started = await telemetry.inSpan('POST /approve/executions', () =>
      workflows.start('approve'),
    );
    const id = started.result.id;
    expect((await workflows.wait(id, { timeoutMs: 20_000 })).status).toBe('halted');
    const resumed = await telemetry.inSpan('POST /executions/:id/resume', () =>
      workflows.resume(id, { approved: true }),
    );
    expect((await workflows.wait(id, { timeoutMs: 20_000 })).status).toBe('completed');

    const spans = await telemetry.spansOf(id, done('workflow.resume approve'));
    const drive = spanNamed(spans, 'workflow.drive approve');
    const resume = spanNamed(spans, 'workflow.resume approve');
    const after = spanNamed(spans, 'workflow.step after');
    for (const span of spans) expect(span.spanContext().traceId).toBe(started.span.traceId);
    // The worker's runs continue the caller's trace, carried through the store and the jobs.
    expect(parentOf(drive)).toBe(started.span.spanId);
    expect(parentOf(spanNamed(spans, 'workflow.step ask'))).toBe(drive.spanContext().spanId);
    expect(parentOf(resume)).toBe(started.span.spanId);
    expect(resume.links.map((link) => link.context.spanId)).toEqual([resumed.span.spanId]);
    expect(parentOf(after)).toBe(resume.spanContext().spanId);
    expect(after.attributes).toMatchObject({
      'workflow.id': 'approve',
      'workflow.execution.id': id,
      'workflow.step.id': 'after',
      'workflow.step.type': 'call',
      'workflow.step.attempt': 1,
    });
    expect(resume.attributes['workflow.execution.status']).toBe('completed');

    const waits = await histogram('workflow.queue.wait', { 'workflow.id': 'approve' });
    expect(waits.reduce((sum, point) => sum + point.count, 0)).toBeGreaterThanOrEqual(2);
    expect(await histogram('workflow.queue.wait', { 'workflow.job': 'resume' })).toHaveLength(1);
    const latency = await histogram('workflow.resume.latency', { 'workflow.id': 'approve' });
    expect(latency.map((point) => point.count)).toEqual([1]);
    expect(
      await counted('workflow.executions.ended', {
        'workflow.id': 'approve',
        'workflow.outcome': 'completed',
      }),
    ).toBe(1);
  });
});
