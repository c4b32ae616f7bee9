import {
  Injectable,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootHttpApp, PLATFORMS } from '../support/http-app';

const echo = {
  id: 'echo',
  name: 'Echo',
  steps: [
    { id: 'ask', type: 'approval', prompt: 'Go on?', next: 'keep' },
    { id: 'keep', type: 'assign', set: { answer: '$response' } },
  ],
};

/** Asks until `done` says yes, every 20 ms; fails naming what it waited for after 10 s. */
async function until(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `{"a":{"a":…}}` nested `depth` levels, as text: built without recursion. */
function nested(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

describe.each(PLATFORMS)('hostile request bodies on %s', (platform) => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-hostile-'));
  let app: INestApplication;
  let base: string;
  const post = async (path: string, text: string) => {
    const answer = await fetch(`${base}/wf${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: text,
    });
    return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
  };
  const haltedExecution = async () => {
    const { body } = await post('/echo/executions', '{}');
    const id = body['id'] as string;
    await until(`execution ${id} to halt`, async () => {
      const current = (await (await fetch(`${base}/wf/executions/${id}`)).json()) as {
        status: string;
      };
      return current.status === 'halted';
    });
    return id;
  };

  beforeAll(async () => {
    ({ app, url: base } = await bootHttpApp({
      platform,
      sqliteFile: join(dir, 'hostile.sqlite'),
      workflows: [echo],
      http: { path: 'wf' },
    }));
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps keys that name Object.prototype methods, at every depth of input and response', async () => {
    const values = {
      toString: 1,
      valueOf: 'v',
      hasOwnProperty: [true],
      deep: { isPrototypeOf: 2 },
    };
    const started = await post('/echo/executions', JSON.stringify({ input: values }));
    expect(started.status).toBe(201);
    expect(started.body['input']).toEqual(values);

    const id = await haltedExecution();
    const resumed = await post(
      `/executions/${id}/resume`,
      JSON.stringify({ approved: true, response: values }),
    );
    expect(resumed.status).toBe(202);
    let answer: unknown;
    await until(`execution ${id} to complete`, async () => {
      const current = (await (await fetch(`${base}/wf/executions/${id}`)).json()) as {
        status: string;
        ctx: Record<string, unknown>;
      };
      answer = current.ctx['answer'];
      return current.status === 'completed';
    });
    expect(answer).toEqual(values);
  });

  it('refuses a key that could reach a prototype with 422 naming its path, never dropping it', async () => {
    const refused = await post(
      '/echo/executions',
      JSON.stringify({ input: { order: { lines: [{ constructor: 'x' }] } } }),
    );
    expect(refused.status).toBe(422);
    expect(refused.body['error']).toMatch(
      /body\.input\.order\.lines\[0\]\.constructor: "constructor" is not accepted as a key/,
    );
    const prototype = await post('/echo/executions', '{"input":{"prototype":{}}}');
    expect(prototype.status).toBe(422);

    const id = await haltedExecution();
    const proto = await post(`/executions/${id}/resume`, '{"response":{"a":{"__proto__":{}}}}');
    // Fastify's own JSON parser refuses __proto__ first (400); Express hands it on (422).
    expect(proto.status).toBe(platform === 'fastify' ? 400 : 422);
    const still = (await (await fetch(`${base}/wf/executions/${id}`)).json()) as { status: string };
    expect(still.status).toBe('halted');
  });

  it('reads an execution id in any case as the same execution, so a start cannot be repeated', async () => {
    const id = crypto.randomUUID();
    const first = await post('/echo/executions', JSON.stringify({ executionId: id.toUpperCase() }));
    expect(first.body['id']).toBe(id);
    const again = await post('/echo/executions', JSON.stringify({ executionId: id }));
    expect(again.body['id']).toBe(id);
    const shown = (await (await fetch(`${base}/wf/executions/${id.toUpperCase()}`)).json()) as {
      id: string;
    };
    expect(shown.id).toBe(id);
    const all = (await (await fetch(`${base}/wf/executions?limit=1000`)).json()) as {
      id: string;
    }[];
    expect(all.filter((e) => e.id === id)).toHaveLength(1);
  });

  it.each(['workflowId', 'status', 'limit', 'before', 'include'])(
    'answers a repeated %s query parameter with 400, not a store error',
    async (name) => {
      const answer = await fetch(`${base}/wf/executions?${name}=a&${name}=b`);
      expect(answer.status).toBe(400);
    },
  );

  it('sends security headers on the API, its errors and the dashboard, and no X-Powered-By', async () => {
    const answers = {
      list: await fetch(`${base}/wf/executions`),
      missing: await fetch(`${base}/wf/executions/0b7cf0a4-3a37-4a1a-9e0f-5b0c4b1c2d3e`),
      dashboard: await fetch(`${base}/wf/dashboard`),
    };
    expect(answers.missing.status).toBe(404);
    for (const answer of Object.values(answers)) {
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
      expect(answer.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
      expect(answer.headers.get('x-powered-by')).toBeNull();
    }
    expect(answers.list.headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    const policy = answers.dashboard.headers.get('content-security-policy')!;
    const nonce = /script-src 'nonce-([^']+)'/.exec(policy)![1];
    const page = await answers.dashboard.text();
    expect(page).toContain(`<script nonce="${nonce}">`);
    expect(page).not.toMatch(/ style="/);
    const again = await fetch(`${base}/wf/dashboard`);
    expect(again.headers.get('content-security-policy')).not.toContain(nonce);
  });

  it.each([2_000, 50_000])(
    'answers JSON nested %i levels deep with 413 or 422, never a store or server error',
    async (depth) => {
      const answer = await post('/echo/executions', `{"input":${nested(depth)}}`);
      // 250 kB of nesting passes Fastify's 1 MB body limit but not Express's 100 kB one.
      if (answer.status === 413) expect(platform).toBe('express');
      else {
        expect(answer.status).toBe(422);
        expect(answer.body['error']).toMatch(/nests deeper than 100 levels/);
      }
    },
  );
});

/** Sets `request.user` from a header, as an authentication guard would. */
@Injectable()
class UserFromHeader implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | undefined>; user?: unknown }>();
    request.user = { id: request.headers['x-user'] ?? 'anonymous' };
    return true;
  }
}

describe.each(PLATFORMS)('many event streams on %s', (platform) => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-streams-'));
  let app: INestApplication;
  let base: string;
  const opened: AbortController[] = [];
  const open = async (user: string) => {
    const controller = new AbortController();
    opened.push(controller);
    const answer = await fetch(`${base}/wf/events`, {
      headers: { 'x-user': user },
      signal: controller.signal,
    });
    return { answer, controller };
  };

  beforeAll(async () => {
    ({ app, url: base } = await bootHttpApp({
      platform,
      sqliteFile: join(dir, 'streams.sqlite'),
      workflows: [echo],
      http: {
        path: 'wf',
        guards: [UserFromHeader],
        maxEventStreams: 3,
        maxEventStreamsPerPrincipal: 2,
      },
    }));
  });
  afterAll(async () => {
    for (const controller of opened) controller.abort();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('caps open streams per principal and per process with 503, and frees a slot on disconnect', async () => {
    const first = await open('ann');
    expect((await open('ann')).answer.status).toBe(200);
    const third = await open('ann');
    expect(third.answer.status).toBe(503);
    expect(await third.answer.json()).toMatchObject({
      error: expect.stringMatching(/Too many event streams are open for this user/),
    });
    expect((await open('bob')).answer.status).toBe(200);
    const fourth = await open('cy');
    expect(fourth.answer.status).toBe(503);
    expect(await fourth.answer.json()).toMatchObject({
      error: expect.stringMatching(/for this server/),
    });

    first.controller.abort();
    // The server learns of the disconnect on its own time: ask until the slot is free.
    await until('the freed slot to be given to another stream', async () => {
      const again = await open('cy');
      return again.answer.status === 200;
    });
  });
});

describe.each(PLATFORMS)('listing executions with large contexts on %s', (platform) => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-lists-'));
  let app: INestApplication;
  let base: string;
  const bulky = { blob: 'x'.repeat(95_000) };
  const started: string[] = [];

  beforeAll(async () => {
    ({ app, url: base } = await bootHttpApp({
      platform,
      sqliteFile: join(dir, 'lists.sqlite'),
      workflows: [echo],
      http: { path: 'wf' },
    }));
    for (let i = 0; i < 60; i++) {
      const answer = await fetch(`${base}/wf/echo/executions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: bulky }),
      });
      started.push(((await answer.json()) as { id: string }).id);
    }
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists summaries without values or runtime state unless asked', async () => {
    const answer = await fetch(`${base}/wf/executions?limit=1000`);
    const text = await answer.text();
    const listed = JSON.parse(text) as Record<string, unknown>[];
    expect(listed.map((e) => e['id']).sort()).toEqual([...started].sort());
    expect(Object.keys(listed[0]).sort()).toEqual(
      [
        'createdAt',
        'currentStep',
        'error',
        'id',
        'status',
        'updatedAt',
        'workflowId',
        'workflowVersion',
      ].sort(),
    );
    expect(text.length).toBeLessThan(60 * 400);
    const one = (await (await fetch(`${base}/wf/executions/${started[0]}`)).json()) as object;
    expect(one).toMatchObject({ input: bulky });
    expect(Object.keys(one)).not.toContain('runtime');
  });

  it('bounds a page with values, which the client pages on with before', async () => {
    const first = await fetch(`${base}/wf/executions?include=input&limit=100`);
    expect(first.headers.get('x-page-truncated')).toBe('true');
    const page = (await first.json()) as { id: string; input: unknown }[];
    expect(page.length).toBeGreaterThan(0);
    expect(page.length).toBeLessThan(60);
    expect(page[0].input).toEqual(bulky);
    const rest = (await (
      await fetch(`${base}/wf/executions?include=input&limit=100&before=${page.at(-1)!.id}`)
    ).json()) as { id: string }[];
    expect([...page, ...rest].map((e) => e.id).sort()).toEqual([...started].sort());
  });

  it('refuses values it does not have, and long pages with values', async () => {
    const unknown = await fetch(`${base}/wf/executions?include=input,secrets`);
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      error: expect.stringMatching(/include names "secrets"/),
    });
    expect((await fetch(`${base}/wf/executions?include=ctx&limit=1000`)).status).toBe(400);
  });
});
