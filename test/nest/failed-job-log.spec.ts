import { ExecutionMissingForJobError, StoreError, StoreUnavailableError } from '../../src';
import { FailedJobLog, type FailedJob } from '../../src/nest/queue/failed-job-log';

/** A refused connection as the drivers report it: an errno code on the cause. */
const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

const job = (id: string, attemptsMade: number): FailedJob => ({
  id,
  name: 'start',
  attemptsMade,
  opts: { attempts: 3 },
});

describe('failed jobs in the log', () => {
  it('logs one line when an outage starts failing jobs and a count when a job completes again', () => {
    const lines: { level: string; message: string }[] = [];
    const log = new FailedJobLog((level, message) => lines.push({ level, message }));
    const outage = new StoreError('TypeORM store: load failed', { cause: refused() });

    for (let n = 1; n <= 3; n++) log.failed(job(`a${n}`, n), outage);
    log.failed(job('b', 1), new StoreUnavailableError(5000));
    log.failed(
      job('c', 3),
      new ExecutionMissingForJobError('0a0a0a0a-0000-4000-8000-000000000000', 'start', 'here'),
    );
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 'error' });
    expect(lines[0].message).toContain('Job a1 (start) failed because the store is unreachable');
    expect(lines[1].message).toContain('Job c (start) failed for the last time');

    log.completed();
    log.completed();
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ level: 'log' });
    expect(lines[2].message).toContain('after 4 failed attempt(s)');
    expect(lines[2].message).toContain('1 of them for the last time');

    // The next outage is a run of its own.
    log.failed(job('d', 1), outage);
    log.failed(job('e', 1), outage);
    log.completed();
    expect(lines.slice(3).map((l) => l.message)).toEqual([
      expect.stringContaining('Job d (start) failed because the store is unreachable'),
      expect.stringContaining('after 2 failed attempt(s) while the store was unreachable.'),
    ]);
  });
});
