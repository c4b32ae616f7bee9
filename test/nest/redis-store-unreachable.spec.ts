import { Test } from '@nestjs/testing';
import { createServer, type Server, type Socket } from 'node:net';
import { DurableWorkflowModule, StoreUnreachableError, WorkflowValidationError } from '../../src';

jest.setTimeout(30_000);

const tally = {
  id: 'tally',
  name: 'One step',
  steps: [{ id: 'done', type: 'end', result: 1 }],
};

const boot = async (url: string, connectTimeoutMs?: number) => {
  const ref = await Test.createTestingModule({
    imports: [
      DurableWorkflowModule.forRoot({
        store: { type: 'redis', url, connectTimeoutMs },
        workflows: [tally],
      }),
    ],
  }).compile();
  await ref.init();
  return ref;
};

/** A port with nothing listening, and one whose listener accepts and never answers. */
async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/**
 * The Redis store's own connection (from `store.url`) has a start-up time limit: past it, or at a
 * refusal, start fails with one line naming the url's setting and the time limit's option.
 */
describe('Redis store: the server is unreachable at start', () => {
  const silent: Socket[] = [];
  const mute = createServer((socket) => silent.push(socket));
  afterAll(async () => {
    for (const socket of silent) socket.destroy();
    await new Promise((resolve) => mute.close(resolve));
  });

  const expectOneLine = (error: unknown, port: number) => {
    expect(error).toBeInstanceOf(StoreUnreachableError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain(`127.0.0.1:${port}`);
    expect(message).toContain('REDIS_URL');
    expect(message).toContain('store.connectTimeoutMs');
  };

  it('fails start when nothing listens on the port', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const failure = await boot(`redis://127.0.0.1:${port}`, 10_000).catch((e: unknown) => e);
    expectOneLine(failure, port);
  });

  it('fails start once connectTimeoutMs passed when the server never answers', async () => {
    const port = await listen(mute);
    const failure = await boot(`redis://127.0.0.1:${port}`, 1000).catch((e: unknown) => e);
    expectOneLine(failure, port);
    expect((failure as StoreUnreachableError).waitedMs).toBe(1000);
  });

  it('refuses a connectTimeoutMs that is not a whole number of at least 1', async () => {
    await expect(boot('redis://127.0.0.1:6379', 0)).rejects.toBeInstanceOf(WorkflowValidationError);
  });
});
