/**
 * `npm run demo`: a scripted tour in the terminal. Runs each demo workflow on a fresh SQLite file,
 * approves and rejects, prints each trail as a timeline, then kills the runner in the middle of a
 * step and starts it again to show the execution carry on from its last checkpoint. Exits 0.
 */
import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import {
  TypeormWorkflowStore,
  WORKFLOW_EVENT_ENTITIES,
  WorkflowEntryEntity,
  WorkflowExecutionEntity,
  WorkflowService,
  type Entry,
  type Execution,
} from '../src';
import { deserializeError } from '../src/core/error-serialization';
import { DemoAppModule } from './app.module';
import { demoConfig } from './demo-config';

const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const dim = (text: string) => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[0m` : text);
const say = (text = '') => process.stdout.write(`${text}\n`);

const dir = mkdtempSync(join(tmpdir(), 'durable-workflow-tour-'));
const sqliteFile = join(dir, 'tour.sqlite');

async function boot(): Promise<{ app: INestApplicationContext; workflows: WorkflowService }> {
  const config = demoConfig({ SQLITE_FILE: sqliteFile, PORT: '0' });
  const app = await NestFactory.createApplicationContext(
    DemoAppModule.register(config, { http: false }),
    { logger: ['error', 'warn'] },
  );
  return { app, workflows: app.get(WorkflowService) };
}

/** Waits for the execution to rest, showing the step in flight while it takes long. */
async function follow(workflows: WorkflowService, id: string, until?: Execution['status']) {
  const began = Date.now();
  let shown = '';
  let printedAt = 0;
  for (;;) {
    const execution = (await workflows.get(id))!;
    const resting = ['completed', 'failed', 'cancelled', 'halted'].includes(execution.status);
    if (until ? execution.status === until : resting) {
      if (shown) process.stdout.write('\n');
      return execution;
    }
    const seconds = ((Date.now() - began) / 1000).toFixed(1);
    const waiting =
      execution.status === 'halted' ? `waiting on ${execution.haltData?.['type']}` : 'running';
    const line = `    … ${execution.currentStep ?? ''} ${waiting} (${seconds} s)`;
    const elapsed = Date.now() - began;
    if (process.stdout.isTTY && elapsed > 400) {
      process.stdout.write(`\r${line.padEnd(shown.length)}`);
      shown = line;
    } else if (!process.stdout.isTTY && elapsed > 900 && elapsed - printedAt > 900) {
      say(line);
      printedAt = elapsed;
    }
    await delay(200);
  }
}

function timeline(entries: Entry[]): void {
  const first = entries[0]?.timestamp.getTime() ?? 0;
  for (const e of entries) {
    const at = `+${((e.timestamp.getTime() - first) / 1000).toFixed(3)}s`.padStart(9);
    const took = e.durationMs === null ? '' : `${e.durationMs} ms`;
    const detail = e.error
      ? `error: ${deserializeError(e.error).message}`
      : e.output === null
        ? ''
        : JSON.stringify(e.output).slice(0, 70);
    say(
      `    ${dim(at)}  ${e.stepId.padEnd(22)} ${e.action.padEnd(9)} ${took.padStart(8)}  ${dim(detail)}`,
    );
  }
}

async function show(workflows: WorkflowService, execution: Execution): Promise<void> {
  say(
    `    ${bold(execution.status)}${execution.result ? `: ${JSON.stringify(execution.result)}` : ''}`,
  );
  timeline(await workflows.entries(execution.id));
}

async function tour(): Promise<void> {
  let { app, workflows } = await boot();

  say(
    bold(
      '\n1. Expense approval: a router, an approval with a two-day timeout, a call with retries',
    ),
  );
  say(
    '  A 120 EUR taxi is booked at once; the ledger is busy the first time, so the call is retried:',
  );
  const small = await workflows.run('expense_approval', {
    requester: 'bo',
    amount: 120,
    purpose: 'taxi',
  });
  await show(workflows, await follow(workflows, small.id));

  say('\n  A 2500 EUR laptop needs a manager:');
  const laptop = await workflows.start('expense_approval', {
    requester: 'ana',
    amount: 2500,
    purpose: 'laptop',
  });
  const asking = await follow(workflows, laptop.id);
  say(
    `    halted: "${String(asking.haltData?.['prompt'])}" (expires ${String(asking.haltData?.['expires_at'])})`,
  );
  say('    the manager approves');
  await workflows.resume(laptop.id, { approved: true });
  await show(workflows, await follow(workflows, laptop.id, 'completed'));

  say('\n  A 4000 EUR sofa: the manager rejects it');
  const sofa = await workflows.start('expense_approval', {
    requester: 'cy',
    amount: 4000,
    purpose: 'sofa',
  });
  await follow(workflows, sofa.id);
  await workflows.resume(sofa.id, { approved: false });
  await show(workflows, await follow(workflows, sofa.id, 'completed'));

  say(
    bold(
      "\n2. Customer onboarding: a durable wait, a sub-workflow, and a step type of the demo's own",
    ),
  );
  const onboarding = await workflows.start('customer_onboarding', {
    customer: 'Dee Ltd',
    email: 'dee@example.com',
  });
  say('  the execution halts on its 3 s timer; the runner wakes it when it comes:');
  await follow(workflows, onboarding.id, 'completed');
  await show(workflows, (await workflows.get(onboarding.id))!);
  say(
    '  check_in is a "notify" step: a type the demo adds with @WorkflowStepType (demo/services/notify.step.ts).',
  );

  say(
    bold(
      '\n3. Order fulfilment: parallel calls, a loop with an approval per fragile item, on_error',
    ),
  );
  const order = await workflows.start('order_fulfilment', {
    order: 'A-1001',
    items: [
      { sku: 'MUG', fragile: false },
      { sku: 'VASE', fragile: true },
      { sku: 'LAMP', fragile: true },
    ],
    total: 89,
  });
  for (
    let halted = await follow(workflows, order.id);
    halted.status === 'halted';
    halted = await follow(workflows, order.id)
  ) {
    say(`    halted in the loop: "${String(halted.haltData?.['prompt'])}": approved`);
    await workflows.resume(order.id, { approved: true });
    await delay(50);
  }
  await show(workflows, (await workflows.get(order.id))!);

  say('\n  An order with an item out of stock: the reservation fails, on_error refunds the charge');
  const broken = await workflows.run('order_fulfilment', {
    order: 'A-1002',
    items: [{ sku: 'OUT-OF-STOCK-CHAIR', fragile: false }],
    total: 120,
  });
  await show(workflows, await follow(workflows, broken.id));

  say(bold('\n4. A crash in the middle of a step, and recovery'));
  await app.close();
  say('  another process starts an order whose packing takes 4 s an item ...');
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(__dirname, 'tour-crash.ts'), sqliteFile],
    {
      env: { ...process.env, PACK_MS: '4000' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const executionId = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`the crash process exited with ${code}`)));
  });
  // While that process runs the execution, this one only reads the file: no runner of its own.
  const reader = new DataSource({
    type: 'better-sqlite3',
    database: sqliteFile,
    entities: [WorkflowExecutionEntity, WorkflowEntryEntity, ...WORKFLOW_EVENT_ENTITIES],
  });
  await reader.initialize();
  const store = new TypeormWorkflowStore(reader);
  while (!(await store.entries(executionId)).some((e) => e.stepId === 'inspect:pack_item')) {
    await delay(100);
  }
  await delay(1000);
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  say('  killed it with SIGKILL while it was packing the first item. The trail so far:');
  timeline(await store.entries(executionId));
  await reader.destroy();

  say(
    '  starting the runner again: it finds the execution running and carries it on from its last checkpoint',
  );
  ({ app, workflows } = await boot());
  const recovered = await follow(workflows, executionId, 'completed');
  await show(workflows, recovered);
  say(
    dim('    (pack_item for BOOK started twice and completed once: the step in flight ran again)'),
  );
  await app.close();
  say(
    bold(
      '\nThat was the tour. `npm start` runs the same workflows behind an API and a live dashboard.\n',
    ),
  );
}

tour()
  .then(() => rmSync(dir, { recursive: true, force: true }))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
