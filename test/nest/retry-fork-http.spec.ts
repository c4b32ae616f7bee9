import {
  Injectable,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowCallable, WorkflowService } from '../../src';
import { bootHttpApp, PLATFORMS } from '../support/http-app';

@Injectable()
class ApiKeyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{
      headers: Record<string, string | undefined>;
    }>();
    return request.headers['x-api-key'] === 'secret';
  }
}

const state = { broken: true, sends: 0 };

@WorkflowCallable('mailer')
@Injectable()
class Mailer {
  send(input: { to: string }) {
    state.sends++;
    if (state.broken) throw new Error('the mail server refused');
    return { sent: input.to };
  }
}

const welcome = {
  id: 'welcome',
  name: 'Welcome mail',
  steps: [
    { id: 'greet', type: 'assign', set: { to: 'ada@example.com' }, next: 'send' },
    {
      id: 'send',
      type: 'call',
      service: 'mailer',
      method: 'send',
      input: { to: '$to' },
      output: 'mail',
    },
  ],
};

describe.each(PLATFORMS)('retry and fork over HTTP on %s', (platform) => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-retry-http-'));
  let app: INestApplication;
  let base: string;
  let workflows: WorkflowService;

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
      text,
    };
  };
  const failedOne = async () => {
    state.broken = true;
    const { body } = await call('POST', '/welcome/executions', {});
    const failed = await workflows.wait(body!['id'] as string);
    expect(failed.status).toBe('failed');
    return failed;
  };

  beforeAll(async () => {
    ({ app, url: base } = await bootHttpApp({
      platform,
      sqliteFile: join(dir, 'retry.sqlite'),
      workflows: [welcome],
      http: { path: 'wf', guards: [ApiKeyGuard] },
      providers: [Mailer],
    }));
    workflows = app.get(WorkflowService);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries a failed execution: 202, then it completes; 409 when it is not failed', async () => {
    const failed = await failedOne();
    expect((await call('POST', `/executions/${failed.id}/retry`, {}, '')).status).toBe(403);
    state.broken = false;
    const retried = await call('POST', `/executions/${failed.id}/retry`, {});
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: failed.id, status: 'pending', currentStep: 'send' });
    expect((await workflows.wait(failed.id)).status).toBe('completed');

    const again = await call('POST', `/executions/${failed.id}/retry`, {});
    expect(again.status).toBe(409);
    expect(again.body?.['error']).toMatch(/it is completed, and retry needs failed/);
    expect(
      (await call('POST', '/executions/7d0c1f4e-0000-4000-8000-000000000000/retry', {})).status,
    ).toBe(404);
  });

  it('forks from a step: 201 with the fork; 422 for a step unknown or never reached; 400 for a bad body', async () => {
    const failed = await failedOne();
    state.broken = false;
    const forked = await call('POST', `/executions/${failed.id}/fork`, { fromStep: 'send' });
    expect(forked.status).toBe(201);
    expect(forked.body).toMatchObject({
      status: 'pending',
      currentStep: 'send',
      forkedFrom: { executionId: failed.id, fromStep: 'send' },
    });
    const fork = await workflows.wait(forked.body!['id'] as string);
    expect(fork).toMatchObject({ status: 'completed', ctx: { mail: { sent: 'ada@example.com' } } });
    expect(fork.runtime?.forkedFrom).toEqual({ executionId: failed.id, fromStep: 'send' });

    const executionId = randomUUID();
    const once = { fromStep: 'send', executionId };
    const first = await call('POST', `/executions/${failed.id}/fork`, once);
    expect(first.status).toBe(201);
    expect(first.body?.['id']).toBe(executionId);
    await workflows.wait(executionId);
    const again = await call('POST', `/executions/${failed.id}/fork`, once);
    expect(again.body).toMatchObject({ id: executionId, status: 'completed' });
    const taken = await call('POST', `/executions/${failed.id}/fork`, {
      fromStep: 'greet',
      executionId,
    });
    expect(taken.status).toBe(422);
    expect(taken.body?.['error']).toMatch(/names an existing execution/);

    const unknown = await call('POST', `/executions/${failed.id}/fork`, { fromStep: 'nope' });
    expect(unknown.status).toBe(422);
    expect(unknown.body?.['error']).toMatch(/has no such step/);
    expect((await call('POST', `/executions/${failed.id}/fork`, {})).status).toBe(400);
    expect(
      (await call('POST', `/executions/${failed.id}/fork`, { fromStep: 'send', extra: 1 })).status,
    ).toBe(400);
  });

  it('retries every failed execution since a time', async () => {
    const since = new Date();
    const first = await failedOne();
    const second = await failedOne();
    state.broken = false;
    const answer = await call('POST', '/welcome/executions/retry-failed', {
      since: since.toISOString(),
    });
    expect(answer.status).toBe(202);
    expect((answer.body?.['retried'] as string[]).sort()).toEqual([first.id, second.id].sort());
    expect(answer.body?.['skipped']).toEqual([]);
    expect(
      (await call('POST', '/welcome/executions/retry-failed', { since: 'yesterday' })).status,
    ).toBe(400);
  });

  it('shows Retry on a failed execution and Run again from here on completed steps', async () => {
    const failed = await failedOne();
    const page = await fetch(`${base}/wf/dashboard/executions/${failed.id}`, {
      headers: { 'x-api-key': 'secret' },
    });
    const html = await page.text();
    expect(html).toContain(`data-action="retry" data-id="${failed.id}"`);
    expect(html).toMatch(/data-action="fork"\s+data-id="[^"]+"\s+data-step="greet"/);
    // Only completed steps can be run again from: the failed one has no button.
    expect(html).not.toMatch(/data-action="fork"\s+data-id="[^"]+"\s+data-step="send"/);

    state.broken = false;
    const fork = await workflows.fork(failed.id, { fromStep: 'send' });
    const forkPage = await (
      await fetch(`${base}/wf/dashboard/executions/${fork.id}`, {
        headers: { 'x-api-key': 'secret' },
      })
    ).text();
    expect(forkPage).toMatch(
      new RegExp(`Forked from\\s*<a href="/wf/dashboard/executions/${failed.id}"`),
    );
    const sourcePage = await (
      await fetch(`${base}/wf/dashboard/executions/${failed.id}`, {
        headers: { 'x-api-key': 'secret' },
      })
    ).text();
    expect(sourcePage).toContain(`fork <a href="/wf/dashboard/executions/${fork.id}"`);
  });

  it('documents the routes in the OpenAPI document', () => {
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/wf/executions/{id}/retry',
        '/wf/executions/{id}/fork',
        '/wf/{workflowId}/executions/retry-failed',
      ]),
    );
  });
});
