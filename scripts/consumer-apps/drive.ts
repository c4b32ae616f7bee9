/**
 * Drives the refund workflow of a running example application (examples/) through its HTTP
 * endpoints, as `scripts/consumer-apps.sh` does after starting it:
 *
 *   node -r ts-node/register/transpile-only scripts/consumer-apps/drive.ts \
 *     --base http://127.0.0.1:3000 --key dev-key [--openapi /docs-json]
 *
 * Prints one line per check and exits 1 at the first one that fails, saying what came back.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

interface Reply {
  status: number;
  type: string;
  body: unknown;
  text: string;
}

interface RefundView {
  id: string;
  status: string;
  step: string | null;
  waitingFor: string | null;
  result: unknown;
}

interface ExecutionView {
  id: string;
  status: string;
  currentStep: string | null;
  haltData: { type?: string } | null;
  result: unknown;
}

class CheckFailed extends Error {}

const args = parseArgs(process.argv.slice(2));
const base = args.base.replace(/\/$/, '');
const key = args.key;

async function main(): Promise<void> {
  const started = Date.now();

  // 1. The application's own controller starts an execution through WorkflowService.start.
  const created = await call('POST', '/refunds', { body: { order: 'A-1001', amount: 42 } });
  expect(created, 202, 'POST /refunds starts a refund');
  const id = (created.body as RefundView).id;
  check(/^[0-9a-f-]{36}$/.test(id), 'the refund has an execution id', created.text);

  // 2. It runs the `call` step and halts at the approval.
  const halted = await pollRefund(id, (r) => r.status === 'halted' && r.waitingFor === 'approval');
  check(halted.step === 'review', 'it halts at the approval step', `at ${halted.step}`);

  // 3. The module's API is behind the application's guard.
  const noKey = await call('GET', `/workflows/executions/${id}`, { key: null });
  expect(noKey, 401, 'the built-in API answers 401 without the API key');
  const wrongKey = await call('POST', `/workflows/executions/${id}/resume`, {
    key: 'wrong',
    body: { approved: true },
  });
  expect(wrongKey, 401, 'resuming with a wrong API key is a 401');

  // 4. Bodies are checked: a mistyped field is a 400, a body that is not JSON a 415.
  const mistyped = await call('POST', `/workflows/executions/${id}/resume`, {
    body: { approved: 'yes' },
  });
  expect(mistyped, 400, 'a mistyped resume body is a 400');
  const notJson = await call('POST', `/workflows/executions/${id}/resume`, {
    raw: 'approved=true',
    contentType: 'application/x-www-form-urlencoded',
  });
  expect(notJson, 415, 'a form-encoded resume is a 415');

  // 5. Approve through the built-in API; the `wait` step then holds it for a second.
  const approvedAt = Date.now();
  const approved = await call('POST', `/workflows/executions/${id}/resume`, {
    body: { approved: true },
  });
  expect(approved, 202, 'POST /workflows/executions/:id/resume approves it');
  const done = await pollExecution(id, (e) => e.status === 'completed');
  const tookMs = Date.now() - approvedAt;
  const result = done.result as { refunded?: boolean; reference?: string } | null;
  check(
    result?.refunded === true && /^RF-A-1001-\d+$/.test(String(result.reference)),
    "it completes with the payment's reference",
    JSON.stringify(done.result),
  );
  check(
    tookMs >= 900,
    `the 1 s wait step held it before paying (${tookMs} ms from approval to completion)`,
  );

  const entries = await call('GET', `/workflows/executions/${id}/entries`);
  expect(entries, 200, 'GET /workflows/executions/:id/entries lists the trail');
  const trail = (entries.body as { stepId: string; action: string }[]).map(
    (entry) => `${entry.stepId}:${entry.action}`,
  );
  const wanted = ['quote:completed', 'review:halted', 'cooling_off:halted', 'pay:completed'];
  check(
    wanted.every((step) => trail.includes(step)),
    `the trail has ${wanted.join(', ')}`,
    trail.join(' '),
  );

  const mine = await call('GET', `/refunds/${id}`);
  expect(mine, 200, 'GET /refunds/:id reads it through WorkflowService.get');
  check((mine.body as RefundView).status === 'completed', 'and says completed', mine.text);

  // 6. Errors come back as JSON with the right status.
  const unknownId = randomUUID();
  const missing = await call('GET', `/workflows/executions/${unknownId}`);
  expect(missing, 404, 'an unknown execution is a 404');
  check(
    missing.type.includes('application/json') &&
      typeof (missing.body as { error?: unknown }).error === 'string',
    'the 404 is JSON saying why',
    `${missing.type}: ${missing.text}`,
  );
  const again = await call('POST', `/workflows/executions/${id}/resume`, {
    body: { approved: true },
  });
  expect(again, 409, 'resuming a completed execution is a 409');
  const unknownWorkflow = await call('POST', '/workflows/no_such_workflow/executions', {
    body: { input: {} },
  });
  expect(unknownWorkflow, 404, 'starting an unknown workflow is a 404');
  const badInput = await call('POST', '/workflows/refund/executions', {
    body: { input: { order: 'A-1002', amount: 'lots' } },
  });
  expect(badInput, 422, 'a workflow input of the wrong type is a 422');
  const mineMissing = await call('GET', `/refunds/${unknownId}`);
  expect(mineMissing, 404, "the app's own controller answers 404 for an unknown refund");
  const mineLate = await call('POST', `/refunds/${id}/decision`, { body: { approved: false } });
  expect(mineLate, 409, "the app's own controller answers 409 for a finished refund");
  const mineInvalid = await call('POST', '/refunds', { body: { order: 'A-1003' } });
  expect(mineInvalid, 400, "the app's own validation answers 400 for a missing amount");

  // 7. Started through the built-in API, rejected through the application's controller (resume).
  const second = await call('POST', '/workflows/refund/executions', {
    body: { input: { order: 'A-1004', amount: 10 } },
  });
  expect(second, [201, 202], 'POST /workflows/refund/executions starts a second refund');
  const secondId = (second.body as ExecutionView).id;
  await pollExecution(secondId, (e) => e.status === 'halted' && e.haltData?.type === 'approval');
  const rejected = await call('POST', `/refunds/${secondId}/decision`, {
    body: { approved: false },
  });
  expect(rejected, 202, 'POST /refunds/:id/decision rejects it through WorkflowService.resume');
  const rejectedDone = await pollRefund(secondId, (r) => r.status === 'completed');
  check(
    JSON.stringify(rejectedDone.result) === JSON.stringify({ refunded: false }),
    'the rejected refund ends with { refunded: false }',
    JSON.stringify(rejectedDone.result),
  );

  // 8. Lists, counts and the dashboard answer on this HTTP platform.
  const list = await call('GET', '/workflows/executions?workflowId=refund&limit=10');
  expect(list, 200, 'GET /workflows/executions lists them');
  const listed = (list.body as ExecutionView[]).map((execution) => execution.id);
  check(
    listed.includes(id) && listed.includes(secondId),
    'the list has both refunds',
    listed.join(' '),
  );
  const counts = await call('GET', '/workflows/counts');
  expect(counts, 200, 'GET /workflows/counts counts them');
  for (const path of ['/workflows/dashboard', `/workflows/dashboard/executions/${id}`]) {
    const page = await call('GET', path);
    expect(page, 200, `GET ${path.replace(id, ':id')} serves the dashboard`);
    check(page.type.includes('text/html'), 'as HTML', page.type);
  }

  // 9. The event stream reports a change as it happens; cancel and delete a third refund.
  const stream = await openEventStream();
  try {
    const third = await call('POST', '/refunds', { body: { order: 'A-1005', amount: 5 } });
    expect(third, 202, 'POST /refunds starts a third refund');
    const thirdId = (third.body as RefundView).id;
    await stream.waitFor(thirdId);
    await pollRefund(thirdId, (r) => r.status === 'halted');
    const cancelled = await call('POST', `/workflows/executions/${thirdId}/cancel`, { body: {} });
    expect(cancelled, [200, 201], 'POST /workflows/executions/:id/cancel cancels it');
    check(
      (cancelled.body as ExecutionView).status === 'cancelled',
      'and it is cancelled',
      cancelled.text,
    );
    const deleted = await call('DELETE', `/workflows/executions/${thirdId}`);
    expect(deleted, 204, 'DELETE /workflows/executions/:id removes it');
    expect(await call('GET', `/refunds/${thirdId}`), 404, 'after which it is gone');
  } finally {
    stream.close();
  }

  if (args.openapi) {
    const doc = await call('GET', args.openapi, { key: null });
    expect(doc, 200, `GET ${args.openapi} serves the OpenAPI document`);
    const paths = Object.keys((doc.body as { paths?: Record<string, unknown> }).paths ?? {});
    const described = ['/workflows/executions/{id}/resume', '/refunds'];
    check(
      described.every((path) => paths.includes(path)),
      `the document describes ${described.join(' and ')}`,
      paths.join(' '),
    );
  }

  console.log(`  all checks passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Opens GET /workflows/events and reads it in the background; `waitFor(text)` resolves once the
 * stream carried that text (within 5 s).
 */
async function openEventStream(): Promise<{ waitFor(text: string): Promise<void>; close(): void }> {
  const abort = new AbortController();
  let response: Response;
  try {
    response = await fetch(`${base}/workflows/events`, {
      headers: { 'x-api-key': key, accept: 'text/event-stream' },
      signal: AbortSignal.any([abort.signal, AbortSignal.timeout(30_000)]),
    });
  } catch (error) {
    throw new CheckFailed(`GET /workflows/events failed: ${String(error)}`);
  }
  const type = response.headers.get('content-type') ?? '';
  check(
    response.status === 200 && type.includes('text/event-stream') && response.body !== null,
    'GET /workflows/events opens an event stream',
    `${response.status} ${type}`,
  );
  let received = '';
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>)
      received += decoder.decode(chunk, { stream: true });
  })().catch(() => undefined);
  return {
    async waitFor(text: string) {
      const deadline = Date.now() + 5000;
      while (!received.includes(text)) {
        if (Date.now() > deadline)
          throw new CheckFailed(
            `the event stream did not report ${text} within 5 s; it carried: ${received.slice(0, 500)}`,
          );
        await sleep(50);
      }
      check(true, 'the event stream reported its change');
    },
    close() {
      abort.abort();
      void reading;
    },
  };
}

async function pollRefund(id: string, done: (r: RefundView) => boolean): Promise<RefundView> {
  return poll(`/refunds/${id}`, done);
}

async function pollExecution(
  id: string,
  done: (e: ExecutionView) => boolean,
): Promise<ExecutionView> {
  return poll(`/workflows/executions/${id}`, done);
}

/** Reads `path` every 100 ms until `done` holds, for at most 20 s. */
async function poll<T>(path: string, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  let last: Reply | undefined;
  while (Date.now() < deadline) {
    last = await call('GET', path);
    if (last.status === 200 && done(last.body as T)) return last.body as T;
    await sleep(100);
  }
  throw new CheckFailed(
    `GET ${path} did not reach the expected state within 20 s; last answer ${last?.status}: ${last?.text}`,
  );
}

async function call(
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; contentType?: string; key?: string | null } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  const sendKey = options.key === undefined ? key : options.key;
  if (sendKey !== null) headers['x-api-key'] = sendKey;
  let payload: string | undefined;
  if (options.raw !== undefined) {
    payload = options.raw;
    headers['content-type'] = options.contentType ?? 'text/plain';
  } else if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers,
      body: payload,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new CheckFailed(`${method} ${path} failed: ${String(error)}`);
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: the text stands
  }
  return { status: response.status, type: response.headers.get('content-type') ?? '', body, text };
}

function expect(reply: Reply, status: number | number[], what: string): void {
  const wanted = Array.isArray(status) ? status : [status];
  check(
    wanted.includes(reply.status),
    what,
    `wanted ${wanted.join(' or ')}, got ${reply.status}: ${reply.text.slice(0, 500)}`,
  );
}

/** Prints `what` when `ok`; otherwise fails with `what` and the detail (what came back). */
function check(ok: boolean, what: string, detail = ''): void {
  if (!ok) throw new CheckFailed(detail ? `${what} (${detail})` : what);
  console.log(`  ok  ${what}`);
}

function parseArgs(argv: string[]): { base: string; key: string; openapi?: string } {
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) options[argv[i].replace(/^--/, '')] = argv[i + 1];
  if (!options.base || !options.key)
    throw new Error('usage: drive.ts --base <url> --key <api key> [--openapi <path>]');
  return { base: options.base, key: options.key, openapi: options.openapi };
}

main().catch((error: unknown) => {
  console.error(`  FAILED  ${error instanceof Error ? error.message : String(error)}`);
  if (!(error instanceof CheckFailed) && error instanceof Error) console.error(error.stack);
  process.exit(1);
});
