import { RedisWorkflowStore } from '../../src';
import { newExecution } from '../support/fixtures';
import { ScratchRedisServer } from '../support/redis-server';

/** The store's own client reports an outage in one line and its end in another, not per retry. */
describe('Redis store: outages in the log', () => {
  const server = new ScratchRedisServer();
  const lines: { level: string; message: string }[] = [];
  const waiters: { text: string; resolve: () => void }[] = [];
  const logged = (text: string) =>
    new Promise<void>((resolve) => {
      if (lines.some((l) => l.message.includes(text))) resolve();
      else waiters.push({ text, resolve });
    });
  let store: RedisWorkflowStore;

  beforeAll(async () => {
    await server.start();
    store = new RedisWorkflowStore({
      url: server.url,
      prefix: 'outage-log',
      log: (level, message) => {
        lines.push({ level, message });
        for (const w of waiters.filter((w) => message.includes(w.text))) w.resolve();
      },
    });
  });
  afterAll(async () => {
    await store.close();
    await server.dispose();
  });

  it('logs one line when the server goes away and one when it answers again', async () => {
    await store.save(newExecution());
    await server.stop();
    await logged('is unreachable');
    // Calls during the outage fail; ioredis keeps reconnecting meanwhile.
    await expect(store.load(newExecution().id)).rejects.toThrow();
    await expect(store.load(newExecution().id)).rejects.toThrow();
    await server.start();
    await logged('answers again');
    expect(await store.load(newExecution().id)).toBeNull();

    const outage = lines.filter((l) => l.message.includes('is unreachable'));
    expect(outage).toHaveLength(1);
    expect(outage[0]).toMatchObject({ level: 'error' });
    expect(outage[0].message).toContain('REDIS_URL');
    expect(lines.filter((l) => l.message.includes('answers again'))).toHaveLength(1);
  });
});
