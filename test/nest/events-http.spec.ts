import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootHttpApp, PLATFORMS } from '../support/http-app';
import { until } from '../support/until';

@Injectable()
class ApiKeyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{
      headers: Record<string, string | undefined>;
    }>();
    return request.headers['x-api-key'] === 'secret';
  }
}

const shipped = {
  id: 'shipped',
  name: 'Waits for the parcel',
  inputs: { parcel: { type: 'string' } },
  steps: [
    {
      id: 'delivery',
      type: 'event',
      name: 'parcel.delivered',
      match: { parcel: '$parcel' },
      timeout: 3600,
      on_timeout: 'lost',
      output: 'delivery',
    },
    { id: 'lost', type: 'assign', set: { lost: true } },
  ],
};

describe.each(PLATFORMS)('POST /{path}/events/:name on %s', (platform) => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-events-http-'));
  let app: INestApplication;
  let base: string;

  const call = async (method: string, path: string, body?: unknown, key = 'secret') => {
    const answer = await fetch(`${base}/wf${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(key ? { 'x-api-key': key } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await answer.text();
    return {
      status: answer.status,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
    };
  };

  /** The execution as the API shows it, once its status is `status` (or as it is after 30 s). */
  const once = (id: string, status: string) =>
    until(
      async () => (await call('GET', `/executions/${id}`)).body,
      (body) => body?.['status'] === status,
    );

  /** Starts an execution and waits until it halts at its event step. */
  const waiting = async (parcel: string) => {
    const started = await call('POST', '/shipped/executions', { input: { parcel } });
    const id = started.body!['id'] as string;
    expect((await once(id, 'halted'))?.['status']).toBe('halted');
    return id;
  };

  beforeAll(async () => {
    ({ app, url: base } = await bootHttpApp({
      platform,
      sqliteFile: join(dir, 'events.sqlite'),
      workflows: [shipped],
      http: { path: 'wf', guards: [ApiKeyGuard] },
    }));
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers the payload and answers 202 with the executions resumed, once per id', async () => {
    const parcel = randomUUID();
    const id = await waiting(parcel);
    const event = { payload: { parcel, signedBy: 'Ann' }, id: `signed-${parcel}` };
    expect(await call('POST', '/events/parcel.delivered', event)).toEqual({
      status: 202,
      body: { delivered: [id] },
    });
    expect(await call('POST', '/events/parcel.delivered', event)).toEqual({
      status: 202,
      body: { delivered: [] },
    });
    expect(await once(id, 'completed')).toMatchObject({
      status: 'completed',
      ctx: { delivery: { parcel, signedBy: 'Ann' } },
    });
  });

  it('is behind the guards, and refuses bad bodies and names with the problem named', async () => {
    expect((await call('POST', '/events/parcel.delivered', { payload: {} }, '')).status).toBe(403);
    const unknownKey = await call('POST', '/events/parcel.delivered', { payload: {}, extra: 1 });
    expect(unknownKey.status).toBe(400);
    const badId = await call('POST', '/events/parcel.delivered', { payload: {}, id: 42 });
    expect(badId.status).toBe(400);
    const reserved = await call(
      'POST',
      '/events/parcel.delivered',
      '{"payload":{"__proto__":{"polluted":true}}}',
    );
    // Fastify's own JSON parser refuses it (400) before the module's check would (422).
    expect([400, 422]).toContain(reserved.status);
    if (platform === 'express') expect(String(reserved.body!['error'])).toContain('__proto__');
    const badName = await call('POST', `/events/${encodeURIComponent('no spaces allowed')}`, {});
    expect(badName.status).toBe(422);
    expect(String(badName.body!['error'])).toMatch(/name must match/);
    expect(JSON.stringify(badName.body)).not.toMatch(/\bat .*\.ts/);
  });

  it('shows on the dashboard what an execution waits for, escaped', async () => {
    const parcel = `<b>${randomUUID()}</b>`;
    const id = await waiting(parcel);
    const page = await (
      await fetch(`${base}/wf/dashboard/executions/${id}`, { headers: { 'x-api-key': 'secret' } })
    ).text();
    expect(page).toContain('Waiting for an event');
    expect(page).toContain('<code id="event-name">parcel.delivered</code>');
    expect(page).toContain('&lt;b&gt;');
    expect(page).not.toContain(parcel);
    expect(page).toMatch(/Gives up <time datetime="\d{4}-\d\d-\d\dT/);
  });

  it('describes the route in the OpenAPI document', () => {
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    const route = document.paths['/wf/events/{name}'];
    expect(route?.post?.responses).toHaveProperty('202');
  });
});
