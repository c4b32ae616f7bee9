import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { DurableWorkflowModule, WorkflowCallable, WorkflowService } from '../../src';
import { REDIS_URL } from '../support/env';

@WorkflowCallable('mailer')
@Injectable()
class Mailer extends EventEmitter implements OnModuleDestroy {
  send() {
    return { sent: true };
  }
  onModuleDestroy() {
    this.removeAllListeners();
  }
}

@WorkflowCallable('ledger', { methods: ['book'] })
@Injectable()
class Ledger {
  book() {
    return { booked: true };
  }
  // TypeScript's private is gone at run time; the method list is what keeps it out of reach.
  private wipe() {
    return { wiped: true };
  }
  audit() {
    return this.wipe();
  }
}

const calling = (service: string, method: string) => ({
  id: `${service}-${method}`.toLowerCase(),
  name: `${service}.${method}`,
  steps: [{ id: 'call', type: 'call', service, method }],
});

/** Starts an application with these workflows; the error that stopped it, or its WorkflowService. */
async function start(workflows: Record<string, unknown>[]) {
  const client = new Redis(REDIS_URL);
  const prefix = `dw-callable:${randomBytes(4).toString('hex')}`;
  const ref = await Test.createTestingModule({
    imports: [
      DurableWorkflowModule.forRoot({ store: { type: 'redis', client, prefix }, workflows }),
    ],
    providers: [Mailer, Ledger],
  }).compile();
  const error = await ref.init().then(
    () => null,
    (e: unknown) => e,
  );
  return {
    error,
    workflows: error ? null : ref.get(WorkflowService),
    close: async () => {
      // A module whose start failed has nothing to close (and closing repeats the failure).
      if (!error) await ref.close();
      const keys = await client.keys(`${prefix}*`);
      if (keys.length) await client.del(...keys);
      await client.quit();
    },
  };
}

describe('what a call step may reach on a @WorkflowCallable provider', () => {
  it.each([
    ['mailer', 'emit'],
    ['mailer', 'removeAllListeners'],
    ['mailer', 'onModuleDestroy'],
    ['mailer', 'constructor'],
    ['ledger', 'wipe'],
    ['ledger', 'audit'],
  ])('refuses %s.%s when the application starts, naming it', async (service, method) => {
    const app = await start([calling(service, method)]);
    try {
      expect(String(app.error)).toMatch(
        new RegExp(`service "${service}" has no callable method "${method}" \\(callable: \\w+`),
      );
    } finally {
      await app.close();
    }
  });

  it('runs the methods the class declares, or those it lists', async () => {
    const app = await start([calling('mailer', 'send'), calling('ledger', 'book')]);
    try {
      expect(app.error).toBeNull();
      const sent = await app.workflows!.run('mailer-send', {});
      expect(sent.status).toBe('completed');
      expect((await app.workflows!.run('ledger-book', {})).status).toBe('completed');
    } finally {
      await app.close();
    }
  });

  it('refuses a method list naming a method the class does not declare', async () => {
    @WorkflowCallable('broken', { methods: ['missing'] })
    @Injectable()
    class Broken {}
    const client = new Redis(REDIS_URL);
    try {
      const ref = await Test.createTestingModule({
        imports: [
          DurableWorkflowModule.forRoot({ store: { type: 'redis', client }, workflows: [] }),
        ],
        providers: [Broken],
      }).compile();
      await expect(ref.init()).rejects.toThrow(
        /service "broken" lists method "missing", which is not a callable method of its class/,
      );
    } finally {
      await client.quit();
    }
  });
});
