/**
 * The application the queue tests run as several processes: the test process (usually web-only)
 * and worker processes started from `queue-worker.ts`, all on one Postgres schema and one Redis
 * prefix.
 */
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { DurableWorkflowModule, WorkflowCallable, type WorkflowSource } from '../../src';
import { REDIS_URL } from './env';
import { appTypeorm } from './typeorm-app';
import { LAB_STEP_WORKFLOWS, LabStepType } from './lab-step-type';

export interface QueueAppConfig {
  schema: string;
  prefix: string;
  worker: boolean;
  leaseMs?: number;
  sweepIntervalMs?: number;
  maxRecoveries?: number;
  concurrency?: number;
  runMigrations?: boolean;
  /** Serve the HTTP API and dashboard under /workflows. */
  http?: boolean;
  /** A worker process that kills itself (SIGKILL) as it begins to apply a resume, before any checkpoint. */
  dieOnResume?: boolean;
  /**
   * A worker process that, about to write a halt at an `event` step, sends this event (which finds
   * no waiter yet: the halt indexes the wait), then writes the halt and kills itself (SIGKILL)
   * before anything else happens.
   */
  sendBeforeEventHaltThenDie?: { name: string; payload: unknown; id: string };
  /**
   * A worker process that kills itself (SIGKILL) the moment a schedule tick's execution is saved,
   * before its start is queued; it writes `died-after <execution id>` first.
   */
  dieOnTick?: boolean;
  /**
   * A process that, once ready, sends this event and kills itself (SIGKILL) the moment the store
   * kept it, before any delivery is handed off.
   */
  sendEventThenDie?: { name: string; payload: unknown; id: string };
  /** Where executions are kept: the Postgres schema (the default), a SQLite file, or Redis under the prefix. */
  store?: { type: 'postgres' } | { type: 'sqlite'; file: string } | { type: 'redis' };
  /** Workflows added to QUEUE_WORKFLOWS, by the name of a set below (`FLOW_CONTROL_WORKFLOWS`). */
  with?: (keyof typeof FLOW_CONTROL_WORKFLOWS)[];
}

@Injectable()
class Clock {
  now(): string {
    return new Date().toISOString();
  }
}

/** Steps with side effects the tests can observe, and some that misbehave on purpose. */
@WorkflowCallable('lab')
@Injectable()
export class LabService {
  constructor(private readonly clock: Clock) {}

  stamp(input: { n: number }) {
    return { n: input.n, at: this.clock.now(), pid: process.pid };
  }

  /** The first run of `markFile` hangs (to be killed); any later run returns at once. */
  async hangOnce(input: { markFile: string }) {
    if (!existsSync(input.markFile)) {
      writeFileSync(input.markFile, String(process.pid));
      await delay(120_000);
    }
    return { pid: process.pid };
  }

  /** Sleeps and says when it began and ended, for tests of what runs at the same time. */
  async occupy(input: { ms: number; markFile?: string }) {
    const from = Date.now();
    if (input.markFile) await this.hangOnce({ markFile: input.markFile });
    await delay(input.ms);
    return { from, to: Date.now(), pid: process.pid };
  }

  async sleep(input: { ms: number }) {
    await delay(input.ms);
    return { slept: input.ms, pid: process.pid };
  }

  crash(): never {
    process.kill(process.pid, 'SIGKILL');
    throw new Error('unreachable');
  }

  /** Fails the first time for `markFile`, works after. */
  flaky(input: { markFile: string }) {
    if (!existsSync(input.markFile)) {
      writeFileSync(input.markFile, String(process.pid));
      throw new Error('the first attempt fails');
    }
    return { pid: process.pid };
  }
}

@Module({ providers: [Clock, LabService, LabStepType] })
class LabModule {}

export const QUEUE_WORKFLOWS = [
  {
    id: 'tally',
    name: 'Three steps',
    inputs: { n: { type: 'number' } },
    steps: [
      {
        id: 'stamp',
        type: 'call',
        service: 'lab',
        method: 'stamp',
        input: { n: '$n' },
        output: 'stamp',
        next: 'mark',
      },
      { id: 'mark', type: 'assign', set: { marked: true }, next: 'done' },
      { id: 'done', type: 'end', result: '$stamp' },
    ],
  },
  {
    id: 'approve',
    name: 'Approval, then a step',
    steps: [
      { id: 'ask', type: 'approval', prompt: 'Go?', next: 'after' },
      {
        id: 'after',
        type: 'call',
        service: 'lab',
        method: 'stamp',
        input: { n: 1 },
        output: 'after',
      },
    ],
  },
  {
    id: 'hang',
    name: 'A step whose first run hangs',
    inputs: { markFile: { type: 'string' } },
    steps: [
      { id: 'before', type: 'assign', set: { began: true }, next: 'hang' },
      {
        id: 'hang',
        type: 'call',
        service: 'lab',
        method: 'hangOnce',
        input: { markFile: '$markFile' },
        next: 'after',
      },
      { id: 'after', type: 'assign', set: { ended: true } },
    ],
  },
  {
    id: 'slow',
    name: 'A step that takes a while',
    steps: [
      {
        id: 'doze',
        type: 'call',
        service: 'lab',
        method: 'sleep',
        input: { ms: 1500 },
        output: 'doze',
        next: 'after',
      },
      { id: 'after', type: 'assign', set: { after: true } },
    ],
  },
  {
    id: 'crash',
    name: 'A step that kills its worker',
    steps: [{ id: 'boom', type: 'call', service: 'lab', method: 'crash' }],
  },
  {
    id: 'parent',
    name: 'A sub-workflow that waits for an approval',
    steps: [
      { id: 'child', type: 'workflow', workflow_id: 'approve', output: 'child', next: 'closing' },
      { id: 'closing', type: 'assign', set: { closed: true } },
    ],
  },
  {
    id: 'nap',
    name: 'A two-second wait',
    steps: [
      { id: 'nap', type: 'wait', seconds: 2, next: 'woke' },
      { id: 'woke', type: 'assign', set: { woke: true } },
    ],
  },
  {
    id: 'long-nap',
    name: 'A five-second wait',
    steps: [
      { id: 'nap', type: 'wait', seconds: 5, next: 'woke' },
      { id: 'woke', type: 'assign', set: { woke: true } },
    ],
  },
  {
    id: 'flaky',
    name: 'A call retried after a one-second back-off',
    inputs: { markFile: { type: 'string' } },
    steps: [
      {
        id: 'try',
        type: 'call',
        service: 'lab',
        method: 'flaky',
        input: { markFile: '$markFile' },
        retries: 2,
        retry_delay: 1,
        output: 'tried',
      },
    ],
  },
  eventThenStep('awaitEvent', 'crash.test', 'Waits for an event, then a step'),
  eventThenStep(
    'awaitRecentEvent',
    'crash.recent',
    'Waits for an event, one sent up to a minute before included, then a step',
    60,
  ),
  {
    id: 'mend',
    name: 'A step that fails once, then one whose first run hangs',
    inputs: { failMark: { type: 'string' }, hangMark: { type: 'string' } },
    steps: [
      {
        id: 'try',
        type: 'call',
        service: 'lab',
        method: 'flaky',
        input: { markFile: '$failMark' },
        output: 'tried',
        next: 'hang',
      },
      {
        id: 'hang',
        type: 'call',
        service: 'lab',
        method: 'hangOnce',
        input: { markFile: '$hangMark' },
        next: 'after',
      },
      { id: 'after', type: 'assign', set: { ended: true } },
    ],
  },
];

/** Workflows with a schedule or a concurrency limit, added to an app only by the tests of them. */
export const FLOW_CONTROL_WORKFLOWS: Record<
  'everySecond' | 'everySecondSkip' | 'oneAtATime',
  WorkflowSource[]
> = {
  everySecond: [
    {
      id: 'every-second',
      name: 'A tick every second',
      schedule: { cron: '* * * * * *', input: { n: 1 } },
      inputs: { n: { type: 'number' } },
      steps: [{ id: 'tick', type: 'assign', set: { ticked: '$n' } }],
    },
  ],
  everySecondSkip: [
    {
      id: 'every-second-skip',
      name: 'A tick every second, skipped while the last one waits for an answer',
      schedule: { cron: '* * * * * *', input: { n: 1 }, overlap: 'skip' },
      inputs: { n: { type: 'number' } },
      steps: [{ id: 'ask', type: 'approval', prompt: 'Done?' }],
    },
  ],
  oneAtATime: [
    {
      id: 'one-at-a-time',
      name: 'One execution per customer at a time',
      inputs: {
        customer: { type: 'string' },
        ms: { type: 'number' },
        markFile: { type: 'string', required: false },
      },
      concurrency: { limit: 1, key: '$input.customer' },
      steps: [
        {
          id: 'occupy',
          type: 'call',
          service: 'lab',
          method: 'occupy',
          input: { ms: '$ms', markFile: '$markFile' },
          output: 'occupied',
        },
      ],
    },
    {
      id: 'hear-one-at-a-time',
      name: 'An event, then one execution per customer at a time',
      inputs: { customer: { type: 'string' }, ms: { type: 'number' } },
      concurrency: { limit: 1, key: '$input.customer' },
      steps: [
        {
          id: 'hear',
          type: 'event',
          name: 'limit.go',
          match: { customer: '$customer' },
          next: 'occupy',
        },
        {
          id: 'occupy',
          type: 'call',
          service: 'lab',
          method: 'occupy',
          input: { ms: '$ms' },
          output: 'occupied',
        },
      ],
    },
    {
      id: 'review-one-at-a-time',
      name: 'An approval, then one execution per customer at a time',
      inputs: {
        customer: { type: 'string' },
        ms: { type: 'number' },
        markFile: { type: 'string', required: false },
      },
      concurrency: { limit: 1, key: '$input.customer' },
      steps: [
        { id: 'ask', type: 'approval', prompt: 'Go?', next: 'occupy' },
        {
          id: 'occupy',
          type: 'call',
          service: 'lab',
          method: 'occupy',
          input: { ms: '$ms', markFile: '$markFile' },
          output: 'occupied',
        },
      ],
    },
  ],
};

export function queueAppImports(config: QueueAppConfig): DynamicModule[] {
  const store = config.store ?? { type: 'postgres' };
  const extra = (config.with ?? []).flatMap(
    (name): WorkflowSource[] => FLOW_CONTROL_WORKFLOWS[name],
  );
  return [
    LabModule as unknown as DynamicModule,
    ...(store.type === 'redis'
      ? []
      : [
          appTypeorm(
            store.type === 'sqlite' ? { sqliteFile: store.file } : { schema: config.schema },
            {
              migrationsRun: config.runMigrations ?? false,
              poolSize: 4,
            },
          ),
        ]),
    DurableWorkflowModule.forRoot({
      store:
        store.type === 'redis'
          ? { type: 'redis', url: REDIS_URL, prefix: `${config.prefix}-store` }
          : { type: 'typeorm' },
      workflows: [...QUEUE_WORKFLOWS, ...LAB_STEP_WORKFLOWS, ...extra],
      shutdownGraceMs: 5000,
      queue: {
        connection: { url: REDIS_URL },
        prefix: config.prefix,
        worker: config.worker,
        leaseMs: config.leaseMs ?? 2000,
        sweepIntervalMs: config.sweepIntervalMs ?? 500,
        maxRecoveries: config.maxRecoveries,
        concurrency: config.concurrency,
      },
      http: config.http ? { path: 'workflows' } : undefined,
    }),
  ];
}

export async function bootQueueApp(config: QueueAppConfig): Promise<TestingModule> {
  const ref = await Test.createTestingModule({ imports: queueAppImports(config) }).compile();
  ref.enableShutdownHooks();
  await ref.init();
  return ref;
}

/** A workflow that waits for an event matching `$key`, then runs one call. */
function eventThenStep(id: string, event: string, name: string, lookback?: number) {
  return {
    id,
    name,
    inputs: { key: { type: 'string' } },
    steps: [
      {
        id: 'hear',
        type: 'event',
        name: event,
        match: { key: '$key' },
        ...(lookback === undefined ? {} : { lookback }),
        output: 'heard',
        next: 'after',
      },
      {
        id: 'after',
        type: 'call',
        service: 'lab',
        method: 'stamp',
        input: { n: 1 },
        output: 'after',
      },
    ],
  };
}
