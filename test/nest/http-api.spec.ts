import {
  Injectable,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
  type LoggerService,
} from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { bootHttpApp, PLATFORMS, type Platform } from '../support/http-app';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import {
  DurableWorkflowModule,
  EXECUTION_STATUSES,
  StoreError,
  TypeormWorkflowStore,
  WorkflowCallable,
  type Entry,
  type Execution,
  type StoreOption,
  type WorkflowStore,
} from '../../src';
import { until } from '../support/until';

@Injectable()
class ApiKeyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{
      headers: Record<string, string | undefined>;
      query: Record<string, string | undefined>;
    }>();
    return (request.headers['x-api-key'] ?? request.query['key']) === 'secret';
  }
}

const expense = {
  id: 'expense',
  name: 'Expense',
  inputs: { amount: { type: 'number', required: true }, note: { type: 'string', default: '' } },
  steps: [
    { id: 'approve', type: 'approval', prompt: 'Pay $amount?', next: 'paid' },
    { id: 'paid', type: 'assign', set: { paid: true } },
  ],
};

@WorkflowCallable('accounts')
@Injectable()
class Accounts {
  close(): never {
    throw new Error('no such account');
  }
}

const closing = {
  id: 'closing',
  name: 'Closing an account',
  steps: [{ id: 'close', type: 'call', service: 'accounts', method: 'close' }],
};

class Captured implements LoggerService {
  readonly warnings: string[] = [];
  log(): void {}
  error(): void {}
  warn(message: unknown): void {
    this.warnings.push(String(message));
  }
}

/** An application's own store: only the seven basic methods, over the real tables. */
function sevenMethodStore(dataSource: DataSource): WorkflowStore {
  const full = new TypeormWorkflowStore(dataSource);
  return {
    save: (execution) => full.save(execution),
    load: (id) => full.load(id),
    record: (entry) => full.record(entry),
    entries: (id) => full.entries(id),
    find: (query) => full.find(query),
    delete: (id) => full.delete(id),
    executionIds: (query) => full.executionIds(query),
  };
}

/** An application's own store written before counts existed: wrapped for resilience, as durable. */
function durableStoreWithoutCounts(dataSource: DataSource): WorkflowStore {
  const full = new TypeormWorkflowStore(dataSource);
  return {
    ...sevenMethodStore(dataSource),
    checkpoint: (execution: Execution, entries: readonly Entry[]) =>
      full.checkpoint(execution, entries),
    claim: (id: string, worker: string, ttlMs: number) => full.claim(id, worker, ttlMs),
    extendClaim: (id: string, worker: string, ttlMs: number) => full.extendClaim(id, worker, ttlMs),
    releaseClaim: (id: string, worker: string) => full.releaseClaim(id, worker),
    findClaimable: () => full.findClaimable(),
  } as WorkflowStore;
}

async function boot(
  platform: Platform,
  dir: string,
  guards: boolean,
  logger = new Captured(),
  store: StoreOption = { type: 'typeorm' },
) {
  const { app, url } = await bootHttpApp({
    platform,
    sqliteFile: join(dir, `api-${platform}-${guards}.sqlite`),
    workflows: [expense, closing],
    http: { path: 'wf', guards: guards ? [ApiKeyGuard] : [] },
    providers: [Accounts],
    store,
    logger,
  });
  return { app, url, logger };
}

describe.each(PLATFORMS)('HTTP API on %s', (platform) => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-http-'));
  let app: INestApplication;
  let base: string;
  const call = async (method: string, path: string, body?: unknown, key = 'secret') => {
    const answer = await fetch(`${base}/wf${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(key ? { 'x-api-key': key } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await answer.text();
    return {
      status: answer.status,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
    };
  };
  /** The execution as the API shows it, once its status is `status` (or as it is after 30 s). */
  const once = async (id: string, status: string) =>
    until(
      async () => (await call('GET', `/executions/${id}`)).body,
      (body) => body?.['status'] === status,
    );
  const halted = async (id: string) => {
    const body = await once(id, 'halted');
    expect(body?.['status']).toBe('halted');
    return body;
  };

  beforeAll(async () => {
    const booted = await boot(platform, dir, true);
    app = booted.app;
    base = booted.url;
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("applies the application's guards to every route", async () => {
    expect((await call('GET', '/executions', undefined, '')).status).toBe(403);
    expect((await fetch(`${base}/wf/dashboard`)).status).toBe(403);
    expect((await call('GET', '/executions')).status).toBe(200);
  });

  it('starts, shows, answers and completes an execution', async () => {
    const started = await call('POST', '/expense/executions', { input: { amount: 40 } });
    expect(started).toMatchObject({
      status: 201,
      body: { status: 'pending', workflowId: 'expense' },
    });
    const id = started.body!['id'] as string;
    expect(await halted(id)).toMatchObject({ haltData: { prompt: 'Pay 40?' } });

    const refused = await call('POST', `/executions/${id}/resume`, {});
    expect(refused.status).toBe(422);
    expect(refused.body!['details']).toEqual([
      '"approved" must be true or false to answer approval step "approve"',
    ]);
    expect((await call('POST', `/executions/${id}/resume`, { approved: true })).status).toBe(202);
    const done = await once(id, 'completed');
    expect(done).toMatchObject({ status: 'completed', ctx: { paid: true } });
    const entries = await call('GET', `/executions/${id}/entries`);
    expect(
      (entries.body as unknown as { stepId: string; action: string }[]).map(
        (e) => `${e.stepId}:${e.action}`,
      ),
    ).toEqual(['approve:halted', 'approve:completed', 'paid:completed']);
    const again = await call('POST', `/executions/${id}/resume`, { approved: true });
    expect(again.status).toBe(409);
    expect(again.body!['error']).toMatch(/it is completed, and resume needs halted/);

    const listed = await call('GET', '/executions?workflowId=expense&status=completed&limit=10');
    expect((listed.body as unknown as Execution[]).map((e) => e.id)).toContain(id);
  });

  it('starts idempotently with an executionId', async () => {
    const executionId = '6f1c2c56-8e9b-4d0e-9d36-0d1f0f5a3f11';
    const first = await call('POST', '/expense/executions', { input: { amount: 1 }, executionId });
    const second = await call('POST', '/expense/executions', { input: { amount: 2 }, executionId });
    expect(second.body!['id']).toBe(first.body!['id']);
    expect(second.body!['input']).toEqual({ amount: 1, note: '' });
  });

  it('answers 400, 404, 409 and 422 with the problem named and no stack trace', async () => {
    const unknownField = await call('POST', '/expense/executions', { input: {}, extra: 1 });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body!['details']).toEqual(['property extra should not exist']);
    const badLimit = await call('GET', '/executions?limit=5000');
    expect(badLimit.status).toBe(400);
    expect(String(badLimit.body!['details'])).toMatch(/limit must not be greater than 1000/);
    const badStatus = await call('GET', '/executions?status=exploded');
    expect(badStatus.status).toBe(400);

    const invalid = await call('POST', '/expense/executions', { input: { amount: 'lots' } });
    expect(invalid.status).toBe(422);
    expect(String(invalid.body!['details'])).toMatch(/amount/);
    expect((await call('POST', '/nope/executions', {})).status).toBe(404);
    const missing = await call('GET', '/executions/0b7cf0a4-3a37-4a1a-9e0f-5b0c4b1c2d3e');
    expect(missing).toMatchObject({ status: 404 });
    expect(JSON.stringify(missing.body)).not.toMatch(/at .*\.ts:\d+/);

    const started = await call('POST', '/expense/executions', { input: { amount: 3 } });
    const id = started.body!['id'] as string;
    await halted(id);
    // Fastify refuses an empty body declared as JSON (its own rule), so a bodiless POST sends {}.
    expect((await call('POST', `/executions/${id}/cancel`, {})).body).toMatchObject({
      status: 'cancelled',
    });
    expect((await call('POST', `/executions/${id}/cancel`, {})).status).toBe(409);
    expect((await call('DELETE', `/executions/${id}`)).status).toBe(204);
    expect((await call('DELETE', `/executions/${id}`)).status).toBe(404);
  });

  it('shows a failed step by its error name and message, never its stack', async () => {
    const started = await call('POST', '/closing/executions', {});
    const id = started.body!['id'] as string;
    const failed = await once(id, 'failed');
    expect(failed!['error']).toMatch(/Step "close" failed: no such account/);
    const entries = (await call('GET', `/executions/${id}/entries`)).body as unknown as {
      error: string | null;
    }[];
    const error = entries.find((e) => e.error)!.error!;
    expect(JSON.parse(error)).toEqual({ name: 'Error', message: 'no such account' });
  });

  it('takes a key in the query, refuses form posts, and refuses ids the store cannot keep', async () => {
    const byQuery = await fetch(`${base}/wf/executions?key=secret&limit=1`);
    expect(byQuery.status).toBe(200);
    const form = await fetch(`${base}/wf/expense/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-api-key': 'secret' },
      body: 'input[amount]=5',
    });
    expect(form.status).toBe(415);
    const notUuid = await call('POST', '/expense/executions', {
      input: { amount: 1 },
      executionId: 'order-42',
    });
    expect(notUuid.status).toBe(422);
    expect(notUuid.body!['error']).toMatch(/keeps ids as UUIDs/);
  });

  it('refuses an empty path when the module is declared', () => {
    expect(() =>
      DurableWorkflowModule.forRoot({ store: { type: 'typeorm' }, http: { path: '/' } }),
    ).toThrow(/http.path "\/" must be a non-empty path/);
  });

  it('streams changes as server-sent events', async () => {
    const controller = new AbortController();
    const stream = await fetch(`${base}/wf/events?key=secret`, { signal: controller.signal });
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = stream.body!.getReader();
    const started = await call('POST', '/expense/executions', { input: { amount: 5 } });
    let text = '';
    while (!text.includes(started.body!['id'] as string)) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(text).toMatch(/event: execution/);
  });

  it('renders the dashboard with every value from an execution escaped', async () => {
    const hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const started = await call('POST', '/expense/executions', {
      input: { amount: 7, note: hostile },
    });
    const id = started.body!['id'] as string;
    await halted(id);
    const detail = await (await fetch(`${base}/wf/dashboard/executions/${id}?key=secret`)).text();
    expect(detail).toContain('&lt;script&gt;alert(');
    expect(detail).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(detail).not.toContain('<script>alert');
    expect(detail).not.toContain('<img src=x');
    expect(detail).toContain('data-action="approve"');
    const overview = await (await fetch(`${base}/wf/dashboard?key=secret&status=halted`)).text();
    expect(overview).toContain(id);
  });

  it('counts every execution on the overview, and refuses a status that does not exist', async () => {
    const countsOf = async (workflowId: string) => {
      const page = await (await fetch(`${base}/wf/dashboard?key=secret`)).text();
      expect(page).toContain('<h2>By status</h2>');
      const table = /<table id="counts"[^>]*>([\s\S]*?)<\/table>/.exec(page)![1];
      const row = table.split('<tr>').find((r) => r.includes(`>${workflowId}</a`));
      const cells = [...(row ?? '').matchAll(/<td[^>]*>(\d+)<\/td>/g)].map((m) => Number(m[1]));
      return Object.fromEntries(EXECUTION_STATUSES.map((status, i) => [status, cells[i] ?? 0]));
    };
    const before = await countsOf('expense');
    for (let i = 0; i < 3; i++) {
      const started = await call('POST', '/expense/executions', { input: { amount: i } });
      await halted(started.body!['id'] as string);
    }
    const after = await countsOf('expense');
    expect(after).toEqual({ ...before, halted: before.halted + 3 });
    const { status, body } = await call('GET', '/counts');
    expect(status).toBe(200);
    expect(body).toContainEqual({ workflowId: 'expense', status: 'halted', count: after.halted });

    const refused = await fetch(`${base}/wf/dashboard?key=secret&status=sleeping`);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/status \\"sleeping\\" is not one of pending/);
  });

  it('pages through executions with before, on the API and on the dashboard', async () => {
    for (let i = 0; i < 5; i++) await call('POST', '/expense/executions', { input: { amount: i } });
    const all = (await call('GET', '/executions?workflowId=expense&limit=1000'))
      .body as unknown as {
      id: string;
    }[];
    const paged: string[] = [];
    let before = '';
    for (;;) {
      const page = (await call('GET', `/executions?workflowId=expense&limit=2${before}`))
        .body as unknown as { id: string }[];
      if (page.length === 0) break;
      paged.push(...page.map((e) => e.id));
      before = `&before=${page[page.length - 1].id}`;
    }
    expect(paged).toEqual(all.map((e) => e.id));

    const gone = crypto.randomUUID();
    const refused = await call('GET', `/executions?before=${gone}`);
    expect(refused.status).toBe(422);
    expect(refused.body!['error']).toMatch(new RegExp(`before names execution "${gone}"`));

    const older = await (
      await fetch(`${base}/wf/dashboard?key=secret&workflowId=expense&before=${all[0].id}`)
    ).text();
    expect(older).not.toContain(`data-id="${all[0].id}"`);
    expect(older).toContain(`data-id="${all[1].id}"`);
    expect(older).toContain('>Newest</a>');
  });

  it('describes itself as an OpenAPI document', () => {
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/wf/{workflowId}/executions',
        '/wf/executions',
        '/wf/executions/{id}',
        '/wf/executions/{id}/entries',
        '/wf/executions/{id}/resume',
        '/wf/executions/{id}/cancel',
        '/wf/counts',
      ]),
    );
    expect(Object.keys(document.paths).some((p) => p.includes('dashboard'))).toBe(false);
  });

  it('ends open event streams when the application starts closing', async () => {
    const other = await boot(platform, dir, false);
    const stream = await fetch(`${other.url}/wf/events`);
    const reader = stream.body!.getReader();
    let closeFinished = false;
    const closed = other.app.close().then(() => {
      closeFinished = true;
    });
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    // Ended by the module while the application closes, not cut when the process goes. Fastify's
    // close resolves once its server stops, before the ended stream's last bytes are read here;
    // that it resolves at all shows the module ended the stream, as an open one holds it.
    if (platform === 'express') expect(closeFinished).toBe(false);
    expect(text).not.toMatch(/data:/);
    await closed;
  });

  it.each([
    ['the seven basic methods', sevenMethodStore],
    ['checkpoints and leases but no counts', durableStoreWithoutCounts],
  ])(
    "answers 501 for counts and samples the dashboard's with an application's own store of %s",
    async (_, makeStore) => {
      const other = await boot(platform, dir, false, new Captured(), {
        useFactory: (dataSource: DataSource) => makeStore(dataSource),
        inject: [getDataSourceToken()],
      });
      try {
        const started = await fetch(`${other.url}/wf/expense/executions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ input: { amount: 1 } }),
        });
        expect(started.status).toBe(201);
        const counts = await fetch(`${other.url}/wf/counts`);
        expect(counts.status).toBe(501);
        expect(((await counts.json()) as { error: string }).error).toMatch(/countExecutions\(\)/);
        const page = await (await fetch(`${other.url}/wf/dashboard`)).text();
        expect(page).toMatch(/<h2>By status \(the newest [1-9]\d*\)<\/h2>/);
      } finally {
        await other.app.close();
      }
    },
  );

  it('still lists executions, and says why, when counting fails', async () => {
    const other = await boot(platform, dir, false, new Captured(), {
      useFactory: (dataSource: DataSource) => ({
        ...durableStoreWithoutCounts(dataSource),
        countExecutions: () =>
          Promise.reject(new StoreError('canceling statement due to statement timeout')),
      }),
      inject: [getDataSourceToken()],
    });
    try {
      const started = await fetch(`${other.url}/wf/expense/executions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: { amount: 2 } }),
      });
      const { id } = (await started.json()) as { id: string };
      const overview = await fetch(`${other.url}/wf/dashboard`);
      expect(overview.status).toBe(200);
      const page = await overview.text();
      expect(page).toContain(`data-id="${id}"`);
      expect(page).toMatch(/Counts unavailable: canceling statement due to statement timeout/);
      expect((await fetch(`${other.url}/wf/counts`)).status).toBe(503);
    } finally {
      await other.app.close();
    }
  });

  it('answers 503 when the store is unavailable', async () => {
    const other = await boot(platform, dir, false);
    try {
      expect(other.logger.warnings.join('\n')).toMatch(/The workflow API at \/wf has no guard/);
      await other.app.get<DataSource>(getDataSourceToken()).destroy();
      const answer = await fetch(`${other.url}/wf/executions`);
      expect(answer.status).toBe(503);
      expect(await answer.json()).toEqual({
        statusCode: 503,
        error: 'The workflow store is unavailable; try again shortly.',
      });
    } finally {
      await other.app.close();
    }
  });
});
