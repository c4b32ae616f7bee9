import {
  Injectable,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { WorkflowCallable, WorkflowService } from '../../src';
import { bootHttpApp } from '../support/http-app';

const executablePath = process.env.CHROMIUM_PATH;
const describeInBrowser = executablePath ? describe : describe.skip;

@Injectable()
class KeyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context
      .switchToHttp()
      .getRequest<{ query: Record<string, string | undefined> }>();
    return request.query['key'] === 'secret';
  }
}

const state = { broken: true };

@WorkflowCallable('mailer')
@Injectable()
class Mailer {
  send() {
    if (state.broken) throw new Error('the mail server refused');
    return { sent: true };
  }
}

const welcome = {
  id: 'welcome',
  name: 'Welcome mail',
  steps: [
    { id: 'greet', type: 'assign', set: { greeted: true }, next: 'send' },
    { id: 'send', type: 'call', service: 'mailer', method: 'send', output: 'mail' },
  ],
};

describeInBrowser('Retry and Run again from here in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-retry-browser-'));
  let app: INestApplication;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    ({ app, url: base } = await bootHttpApp({
      platform: 'express',
      sqliteFile: join(dir, 'browser.sqlite'),
      workflows: [welcome],
      http: { path: 'wf', guards: [KeyGuard] },
      providers: [Mailer],
    }));
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries a failed execution with a click, then forks it from a completed step', async () => {
    const workflows = app.get(WorkflowService);
    const failed = await workflows.wait((await workflows.start('welcome')).id);
    expect(failed.status).toBe('failed');
    state.broken = false;

    const page = await browser.newPage();
    await page.goto(`${base}/wf/dashboard/executions/${failed.id}?key=secret`);
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.locator('#status.completed').waitFor({ timeout: 15_000 });
    expect(await page.locator('#timeline').textContent()).toContain('retried');

    await page.locator('button[data-action="fork"][data-step="send"]').click();
    await page.waitForURL((url) => !url.pathname.endsWith(failed.id), { timeout: 15_000 });
    await page.locator('#status.completed').waitFor({ timeout: 15_000 });
    expect(await page.locator('main').textContent()).toMatch(/Forked from\s*\S+\s*at step\s*send/);
    const forkId = new URL(page.url()).pathname.split('/').pop()!;
    expect(new URL(page.url()).searchParams.get('key')).toBe('secret');
    expect((await workflows.get(forkId))?.runtime?.forkedFrom).toEqual({
      executionId: failed.id,
      fromStep: 'send',
    });
  });
});
