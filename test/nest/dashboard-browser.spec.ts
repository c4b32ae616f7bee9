import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { WorkflowService } from '../../src';
import { DemoAppModule } from '../../demo/app.module';
import { demoConfig } from '../../demo/demo-config';
import { postgresAdmin } from '../support/postgres-admin';
import { queueAppImports, type QueueAppConfig } from '../support/queue-app';
import { tearDownQueueSuite } from '../support/queue-teardown';

const executablePath = process.env.CHROMIUM_PATH;
const describeInBrowser = executablePath ? describe : describe.skip;
if (!executablePath) {
  console.warn(`Dashboard browser test skipped: ${process.env.CHROMIUM_MISSING ?? 'no Chromium'}`);
}

const WIDE = { width: 1400, height: 900 };
const NARROW = { width: 420, height: 860 };
const artifacts = join(__dirname, '..', 'artifacts');

/** How far the page runs past the window's width, in CSS pixels. */
const overflowOf = (page: Page): Promise<number> =>
  page.evaluate<number>(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  );

/**
 * Every view of the dashboard in headless Chromium, wide and narrow: what a person needs is on
 * the page, nothing runs off a 420 px screen, the CSP lets the page's own script and style run
 * and nothing else. Screenshots of each view go to test/artifacts/ (checked in, looked at by
 * people; the test asserts structure, not pixels).
 */
describeInBrowser('the dashboard in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-dashboard-'));
  let app: INestApplication;
  let browser: Browser;
  let base: string;
  const violations: string[] = [];

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

  afterEach(() => {
    expect(violations).toEqual([]);
  });

  const start = async (workflowId: string, input: Record<string, unknown>) => {
    const started = await fetch(`${base}/workflows/${workflowId}/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'demo' },
      body: JSON.stringify({ input }),
    });
    expect(started.status).toBe(201);
    return ((await started.json()) as { id: string }).id;
  };
  const settled = (id: string) => app.get(WorkflowService).wait(id, { timeoutMs: 20_000 });

  const open = async (path: string, viewport = WIDE): Promise<Page> => {
    const page = await browser.newPage({ viewport });
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text()))
        violations.push(message.text());
    });
    page.on('pageerror', (error) => violations.push(error.message));
    await page.goto(`${base}/workflows/dashboard${path}${path.includes('?') ? '&' : '?'}key=demo`);
    return page;
  };

  /** Both widths: the narrow one must not scroll sideways; a screenshot of each. */
  const shoot = async (name: string, path: string, check?: (page: Page) => Promise<void>) => {
    for (const [suffix, viewport] of [
      ['1400', WIDE],
      ['420', NARROW],
    ] as const) {
      const page = await open(path, viewport);
      await check?.(page);
      expect({ name, suffix, overflow: await overflowOf(page) }).toEqual({
        name,
        suffix,
        overflow: 0,
      });
      const file = join(artifacts, `dashboard-${name}-${suffix}.png`);
      await page.screenshot({ path: file, fullPage: true });
      expect(statSync(file).size).toBeGreaterThan(10_000);
      await page.close();
    }
  };

  it('shows an approval as a card, answers it with a response, and sees it completed live', async () => {
    const id = await start('expense_approval', {
      requester: 'browser',
      amount: 2500,
      purpose: 'a <b>chair</b>',
    });
    await settled(id);
    await shoot('approval', `/executions/${id}`, async (page) => {
      expect(await page.locator('#approval-prompt').textContent()).toBe(
        'Approve 2500 EUR for browser (a <b>chair</b>)?',
      );
      expect(await page.locator('b', { hasText: 'chair' }).count()).toBe(0);
      expect(await page.locator('#approval-context').textContent()).toMatch(/requester\s*browser/);
      expect(await page.locator('#approval').textContent()).toMatch(/expires in [12] d/);
      expect(await page.locator('g.step.current').getAttribute('data-step')).toBe('manager');
      expect(await page.locator('#at-step').textContent()).toContain('manager');
    });

    const page = await open(`/executions/${id}`);
    await page.locator('#response').fill('fine, buy two');
    const posted = page.waitForRequest((r) => r.url().includes('/resume'));
    await page.getByRole('button', { name: 'Approve' }).click();
    expect(JSON.parse((await posted).postData() ?? '')).toEqual({
      approved: true,
      response: 'fine, buy two',
    });
    await page.locator('#status.completed').waitFor({ timeout: 15_000 });
    expect(await page.locator('#approval').count()).toBe(0);
    expect(await page.locator('#result').textContent()).toContain('"booked": true');
    await page.close();

    await shoot('completed', `/executions/${id}`, async (p) => {
      expect(await p.locator('#summary').textContent()).not.toContain('at step');
      expect(await p.locator('#ended').textContent()).toMatch(
        /completed just now|completed \d+ s ago/,
      );
      expect(await p.locator('g.step.current').count()).toBe(0);
      const taken = await p
        .locator('path.edge.taken')
        .evaluateAll((paths) =>
          paths.map((path) => `${path.getAttribute('data-from')}>${path.getAttribute('data-to')}`),
        );
      expect(taken).toEqual(expect.arrayContaining(['check>manager', 'manager>book', 'book>done']));
      expect(taken).not.toContain('check>book');
    });
  }, 90_000);

  it('draws a workflow with a loop and a parallel step, a box per step', async () => {
    const steps = [
      'prepare',
      'charge',
      'reserve',
      'inspect',
      'fragile',
      'check_item',
      'pack_item',
      'ship',
      'refund',
      'failed',
      'done',
    ];
    await shoot('workflow', '/workflows/order_fulfilment', async (page) => {
      const drawn = await page
        .locator('svg.graph g.step')
        .evaluateAll((groups) => groups.map((g) => g.getAttribute('data-step')));
      expect(drawn.sort()).toEqual([...steps].sort());
      expect(await page.locator('svg.graph .frame').count()).toBe(2);
      // The loop's and the parallel step's boxes hold their body and branches.
      const box = async (id: string) =>
        (await page.locator(`g.step[data-step="${id}"] > rect`).boundingBox())!;
      const inside = async (outer: string, inner: string) => {
        const [a, b] = [await box(outer), await box(inner)];
        return (
          a.x <= b.x &&
          a.x + a.width >= b.x + b.width &&
          a.y <= b.y &&
          a.y + a.height >= b.y + b.height
        );
      };
      for (const inner of ['fragile', 'check_item', 'pack_item'])
        expect(await inside('inspect', inner)).toBe(true);
      for (const inner of ['charge', 'reserve']) expect(await inside('prepare', inner)).toBe(true);
      expect(await inside('inspect', 'ship')).toBe(false);
    });
  }, 60_000);

  it('highlights the current step inside a loop, and the failed step with its error at the top', async () => {
    const halted = await start('order_fulfilment', {
      order: 'A-1',
      items: [{ sku: 'CUP' }, { sku: 'VASE', fragile: true }],
      total: 30,
    });
    const failed = await start('order_fulfilment', {
      order: 'HOLD-7',
      items: [{ sku: 'CUP' }],
      total: 5,
    });
    expect((await settled(halted)).status).toBe('halted');
    expect((await settled(failed)).status).toBe('failed');
    await shoot('halted-in-loop', `/executions/${halted}`, async (page) => {
      expect(await page.locator('g.step.current').getAttribute('data-step')).toBe('check_item');
      expect(await page.locator('#approval-prompt').textContent()).toBe('Is VASE packed safely?');
      const visited = await page
        .locator('g.step.visited')
        .evaluateAll((groups) => groups.map((g) => g.getAttribute('data-step')));
      expect(visited.sort()).toEqual(
        ['check_item', 'charge', 'fragile', 'inspect', 'pack_item', 'prepare', 'reserve'].sort(),
      );
    });
    await shoot('failed', `/executions/${failed}`, async (page) => {
      const first = await page.locator('main > *:nth-child(3)').getAttribute('id');
      expect(first).toBe('failure');
      expect(await page.locator('#failure h2').textContent()).toContain('ship');
      expect((await page.locator('#error').textContent())?.trim()).toBe(
        'Error: order HOLD-7 is on hold: the carrier will not take it',
      );
      expect(await page.locator('#failure p').count()).toBe(1);
      expect(await page.locator('g.step.failed').getAttribute('data-step')).toBe('ship');
      expect(await page.locator('#summary').textContent()).not.toContain('at step');
    });
  }, 60_000);

  it('searches by execution id and by input value, and says how far it looked', async () => {
    const id = await start('expense_approval', {
      requester: 'Ada Lovelace',
      amount: 80,
      purpose: 'a lamp',
    });
    expect((await settled(id)).status).toBe('completed');
    // A sub-workflow for the list's screenshot; its input does not hold the searched text.
    await start('customer_onboarding', { customer: 'Grace', email: 'grace@example.com' });
    await shoot('search', `?q=${encodeURIComponent('lovelace')}`, async (page) => {
      expect(await page.locator(`#search-matches tr[data-id="${id}"]`).count()).toBe(1);
      expect(await page.locator('#search-matches tr').count()).toBe(1 + 1);
      expect(await page.locator('#search-scope').textContent()).toMatch(
        /1 execution\(s\) with an input value containing it, among the\s+\d+\s+newest\s+executions\s+read \(at most 500 per search\)/,
      );
      expect(await page.locator('#no-id-match').count()).toBe(1);
    });
    const page = await open(`?q=${id.toUpperCase()}`);
    expect(await page.locator(`#search-by-id tr[data-id="${id}"]`).count()).toBe(1);
    await page.close();
  }, 60_000);

  it('lists executions with relative times, links to workflows, and cards on a narrow screen', async () => {
    const id = await start('expense_approval', { requester: 'list', amount: 12 });
    await settled(id);
    await shoot('list', '', async (page) => {
      const row = page.locator(`#executions tr[data-id="${id}"]`);
      await row.waitFor();
      const time = row.locator('td[data-label="updated"] time');
      expect(await time.textContent()).toMatch(/just now|\d+ s ago/);
      expect(await time.getAttribute('title')).toMatch(
        /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC$/,
      );
      expect(await row.locator('td[data-label="step"]').textContent()).toBe('');
      expect(await page.locator('#counts a', { hasText: 'expense_approval' }).count()).toBe(1);
      expect(await page.locator('#workers, #no-workers').count()).toBe(0);
    });
  }, 60_000);

  describe('in queue mode without a worker', () => {
    const suffix = randomBytes(4).toString('hex');
    const config: QueueAppConfig = {
      schema: `dw_dash_${suffix}`,
      prefix: `dwd-${suffix}`,
      worker: false,
      runMigrations: true,
      http: true,
    };
    let web: INestApplication | undefined;
    let webBase: string;

    beforeAll(async () => {
      await postgresAdmin(`CREATE SCHEMA ${config.schema}`);
      const ref = await Test.createTestingModule({ imports: queueAppImports(config) }).compile();
      web = ref.createNestApplication({ logger: false });
      await web.listen(0, '127.0.0.1');
      webBase = await web.getUrl();
    }, 60_000);
    afterAll(async () => {
      await web?.close();
      await tearDownQueueSuite({
        workers: [],
        web: undefined,
        schemas: [config.schema],
        prefix: config.prefix,
      });
    });

    it('warns that executions wait and no worker runs', async () => {
      const id = (await web!.get(WorkflowService).start('tally', { n: 1 })).id;
      for (const [suffix, viewport] of [
        ['1400', WIDE],
        ['420', NARROW],
      ] as const) {
        const page = await browser.newPage({ viewport });
        await page.goto(`${webBase}/workflows/dashboard`);
        expect(await page.locator('#no-workers').textContent()).toMatch(
          /No worker process is running, and 1 execution\(s\) wait for one\s+\(1 pending, 0 running\)/,
        );
        await page.goto(`${webBase}/workflows/dashboard/executions/${id}`);
        expect(await page.locator('#no-workers').count()).toBe(1);
        await page.goto(`${webBase}/workflows/dashboard`);
        expect(await overflowOf(page)).toBe(0);
        await page.screenshot({
          path: join(artifacts, `dashboard-no-worker-${suffix}.png`),
          fullPage: true,
        });
        await page.close();
      }
    }, 60_000);
  });
});
