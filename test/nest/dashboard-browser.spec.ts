import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { DemoAppModule } from '../../demo/app.module';
import { demoConfig } from '../../demo/demo-config';

const executablePath = process.env.CHROMIUM_PATH;
const describeInBrowser = executablePath ? describe : describe.skip;
if (!executablePath) {
  console.warn(`Dashboard browser test skipped: ${process.env.CHROMIUM_MISSING ?? 'no Chromium'}`);
}

describeInBrowser('the dashboard in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-dashboard-'));
  const artifacts = join(__dirname, '..', 'artifacts');
  let app: INestApplication;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    const config = demoConfig({ SQLITE_FILE: join(dir, 'demo.sqlite'), PORT: '0' });
    app = await NestFactory.create(DemoAppModule.register(config, { http: true }), {
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    mkdirSync(artifacts, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows an approval halted, approves it with a click, and sees it completed live', async () => {
    const started = await fetch(`${base}/workflows/expense_approval/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'demo' },
      body: JSON.stringify({
        input: { requester: 'browser', amount: 2500, purpose: 'a <b>chair</b>' },
      }),
    });
    const { id } = (await started.json()) as { id: string };

    const page = await browser.newPage();
    await page.goto(`${base}/workflows/dashboard?key=demo`);
    await page.locator(`tr[data-id="${id}"]`).waitFor();
    await page.locator(`tr[data-id="${id}"] a`).click();
    await page.locator('#status.halted').waitFor({ timeout: 10_000 });
    expect(await page.locator('#halt').textContent()).toContain('a <b>chair</b>');
    expect(await page.locator('b', { hasText: 'chair' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('#status.completed').waitFor({ timeout: 15_000 });
    const timeline = await page.locator('#timeline').textContent();
    expect(timeline).toContain('manager');
    expect(timeline).toContain('book');
    expect(await page.locator('#result').textContent()).toContain('"booked": true');

    const screenshot = join(artifacts, 'dashboard-approved.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
  }, 60_000);
});
