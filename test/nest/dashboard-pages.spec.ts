import { serializeError } from '../../src/core/error-serialization';
import { executionDetail, overview } from '../../src/nest/http/dashboard/dashboard-pages';
import { relativeText } from '../../src/nest/http/dashboard/relative-time';
import { newEntry, newExecution } from '../support/fixtures';

/** What the dashboard's pages say, rendered without a server. */
describe('dashboard pages', () => {
  it('says times relative to now, in the past and the future', () => {
    const now = new Date('2026-01-10T12:00:00Z');
    const at = (seconds: number) => relativeText(new Date(now.getTime() + seconds * 1000), now);
    expect(at(-2)).toBe('just now');
    expect(at(-42)).toBe('42 s ago');
    expect(at(-3 * 60 - 5)).toBe('3 min ago');
    expect(at(-5 * 3600)).toBe('5 h ago');
    expect(at(2 * 86400)).toBe('in 2 d');
  });

  it('warns when executions are running and no worker is, and says when workers could not be counted', () => {
    const counts = [{ workflowId: 'w', status: 'running' as const, count: 2 }];
    const none = String(overview('/wf', { counts, workersAlive: 0 }, [], {}, false));
    expect(none).toMatch(/and 2 execution\(s\) wait for one\s+\(0 pending, 2 running\)/);
    const unknown = String(
      overview('/wf', { counts, workersFailure: 'connect ECONNREFUSED' }, [], {}, false),
    );
    expect(unknown).toContain('Worker processes could not be counted: connect ECONNREFUSED');
    expect(String(overview('/wf', { counts, workersAlive: null }, [], {}, false))).not.toMatch(
      /workers|no-workers/,
    );
    const failedCounts = String(
      overview(
        '/wf',
        { counts: [], failure: 'timeout', workersAlive: 0 },
        [newExecution({ status: 'pending' })],
        {},
        false,
      ),
    );
    expect(failedCounts).toMatch(/and 1 execution\(s\) wait for one\s+\(1 pending, 0 running\)/);
  });

  it('puts a failed step and its error first, and no current step on a finished execution', () => {
    const failed = newExecution({
      status: 'failed',
      currentStep: 'charge',
      error: 'Step "charge" failed: card declined',
    });
    const entries = [
      newEntry(failed, 'start'),
      newEntry(failed, 'charge', {
        action: 'failed',
        error: serializeError(new TypeError('card declined')),
      }),
    ];
    const page = String(executionDetail(failed, entries));
    const failure = /<section class="card failure" id="failure">([\s\S]*?)<\/section>/.exec(page);
    expect(failure?.[1]).toContain('Step <code>charge</code> failed');
    expect(failure?.[1]).toMatch(/TypeError: card declined/);
    expect(page.indexOf('id="failure"')).toBeLessThan(page.indexOf('id="timeline"'));
    expect(page).not.toMatch(/at step/);
    const completed = String(
      executionDetail({ ...failed, status: 'completed', error: null, currentStep: 'done' }, []),
    );
    expect(completed).not.toMatch(/at step|id="failure"/);
    expect(completed).toMatch(/completed <time/);
  });

  it('shows an approval as a card with buttons, and only says so once an answer was accepted', () => {
    const halted = newExecution({
      status: 'halted',
      currentStep: 'manager',
      haltData: {
        type: 'approval',
        prompt: 'Approve <b>2500</b> EUR?',
        context: { requester: 'ada' },
        requested_at: new Date().toISOString(),
      },
    });
    const card = String(executionDetail(halted, []));
    expect(card).toContain(
      '<p class="prompt" id="approval-prompt">Approve &lt;b&gt;2500&lt;/b&gt; EUR?</p>',
    );
    expect(card).toMatch(/<dt>requester<\/dt>\s*<dd>ada<\/dd>/);
    expect(card).toContain('data-action="approve"');
    const answered = String(
      executionDetail(
        {
          ...halted,
          runtime: {
            frames: [],
            response: null,
            approved: null,
            acceptedResume: { halts: 1, payload: { approved: false }, owner: 'web' },
          },
        },
        [],
      ),
    );
    expect(answered).toMatch(/Rejected;\s+waiting for a worker to go on/);
    expect(answered).not.toContain('data-action="approve"');
  });
});
