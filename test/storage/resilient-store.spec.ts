import { Logger } from '@nestjs/common';
import {
  ConcurrentUpdateError,
  RedisWorkflowStore,
  ResilientStore,
  StoreError,
  StoreUnavailableError,
  type DurableWorkflowStore,
} from '../../src';
import { newEntry, newExecution, sleep } from '../support/fixtures';
import { RedisHarness } from '../support/redis-harness';
import { ScratchRedisServer } from '../support/redis-server';

/** Counts the calls that reach the real store behind the wrapper. */
function counted(store: DurableWorkflowStore): {
  store: DurableWorkflowStore;
  calls: () => number;
} {
  let calls = 0;
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls: () => calls };
}

const resetError = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

describe('ResilientStore', () => {
  beforeAll(() => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterAll(() => jest.restoreAllMocks());

  describe('across a Redis stop and restart', () => {
    const server = new ScratchRedisServer();
    let inner: RedisWorkflowStore;
    beforeAll(async () => {
      await server.start();
      inner = new RedisWorkflowStore({ url: server.url, prefix: 'resilience' });
    });
    afterAll(async () => {
      await inner.close();
      await server.dispose();
    });

    it('fails loudly while Redis is down, fails fast once the circuit opens, and recovers', async () => {
      const { store: reaching, calls } = counted(inner);
      const store = new ResilientStore(reaching, {
        retries: 1,
        baseDelayMs: 10,
        failureThreshold: 2,
        resetTimeoutMs: 500,
      });
      const execution = await store.save(newExecution({ workflowId: 'outage' }));

      await server.stop();
      const lost = newExecution({ workflowId: 'outage' });
      const first = await store.save(lost).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(StoreError);
      expect(first).not.toBeInstanceOf(StoreUnavailableError);
      expect((first as Error).message).toMatch(/failed after 2 attempts/);
      await expect(store.load(execution.id)).rejects.toBeInstanceOf(StoreError);
      expect(store.circuitState).toBe('open');

      const reachedBefore = calls();
      const fast = await store.load(execution.id).catch((e: unknown) => e);
      expect(fast).toBeInstanceOf(StoreUnavailableError);
      expect((fast as Error).message).toMatch(/unavailable/);
      expect(calls()).toBe(reachedBefore);

      await server.start();
      await sleep(600);
      expect(await store.load(execution.id)).toMatchObject({ id: execution.id, revision: 1 });
      expect(store.circuitState).toBe('closed');
      // The write that failed during the outage was not kept anywhere, in memory or elsewhere.
      expect(await store.load(lost.id)).toBeNull();
    });
  });

  describe('on the shared Redis', () => {
    const harness = new RedisHarness();
    let inner: RedisWorkflowStore;
    beforeAll(async () => {
      inner = await harness.open();
    });
    afterAll(() => harness.close());

    it('passes conflicts through at once without retrying', async () => {
      const { store: reaching, calls } = counted(inner);
      const store = new ResilientStore(reaching, { retries: 3, baseDelayMs: 1 });
      const saved = await store.save(newExecution());
      await store.save(saved);
      const before = calls();
      await expect(store.save(saved)).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect(calls() - before).toBe(1);
      expect(store.circuitState).toBe('closed');
    });

    it('retries a refused connection and succeeds', async () => {
      let failures = 2;
      const flaky = new Proxy(inner, {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if (property !== 'load' || typeof value !== 'function') return value;
          return (...args: unknown[]) =>
            failures-- > 0
              ? Promise.reject(
                  new StoreError('down', {
                    cause: Object.assign(new Error('connect ECONNREFUSED'), {
                      code: 'ECONNREFUSED',
                    }),
                  }),
                )
              : (value as (...a: unknown[]) => unknown).apply(target, args);
        },
      });
      const store = new ResilientStore(flaky, { retries: 3, baseDelayMs: 1 });
      const saved = await inner.save(newExecution());
      expect(await store.load(saved.id)).toMatchObject({ id: saved.id });
      expect(failures).toBe(-1);
    });

    it('does not apply a checkpoint twice when the connection broke after it landed', async () => {
      let broken = false;
      // The write reaches Redis, then the reply is lost: the classic ambiguous failure.
      const lossy = new Proxy(inner, {
        get(target, property, receiver) {
          const value: unknown = Reflect.get(target, property, receiver);
          if ((property !== 'checkpoint' && property !== 'record') || typeof value !== 'function') {
            return value;
          }
          return async (...args: unknown[]) => {
            const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(
              target,
              args,
            );
            if (!broken) {
              broken = true;
              throw new StoreError('reply lost', { cause: resetError() });
            }
            return result;
          };
        },
      });
      const store = new ResilientStore(lossy, { retries: 3, baseDelayMs: 1 });
      const created = await inner.save(newExecution());
      const entry = newEntry(created, 'charge');
      const after = await store.checkpoint({ ...created, currentStep: 'charge' }, [entry]);
      expect(after.revision).toBe(2);
      expect((await inner.entries(created.id)).map((e) => e.id)).toEqual([entry.id]);

      broken = false;
      const second = newEntry(created, 'notify');
      await store.record(second);
      expect((await inner.entries(created.id)).map((e) => e.stepId)).toEqual(['charge', 'notify']);
    });

    it('refuses nonsense options', () => {
      expect(() => new ResilientStore(inner, { retries: -1 })).toThrow(/retries must be/);
    });
  });
});
