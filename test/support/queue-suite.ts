import { getQueueToken } from '@nestjs/bullmq';
import type { TestingModule } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKFLOW_QUEUE_NAME, WorkflowService } from '../../src';
import { postgresAdmin } from './postgres-admin';
import { bootQueueApp, type QueueAppConfig } from './queue-app';
import { removeQueueStore } from './queue-stores';
import { tearDownQueueSuite } from './queue-teardown';
import { until } from './until';
import { WorkerProcess } from './worker-process';

type WorkerConfig = Omit<QueueAppConfig, 'worker'>;

export interface QueueSuiteOptions extends Omit<WorkerConfig, 'schema' | 'prefix' | 'store'> {
  /** Names the suite's Postgres schema (`dw_<name>_<tag>`) and Redis prefix: lowercase letters. */
  name: string;
  /** Worker processes started before the first test; none by default. */
  workers?: number;
  /** Where executions are kept, from the suite's unique tag (an entry of `QUEUE_STORES`). */
  store?: (tag: string) => NonNullable<QueueAppConfig['store']>;
}

/** A web-only test process and worker processes on one schema and prefix of their own. */
export interface QueueSuite {
  /** The worker processes' configuration. */
  readonly config: WorkerConfig;
  /** A directory of the suite's own for the mark files steps write; removed with the suite. */
  readonly dir: string;
  readonly web: TestingModule;
  readonly workflows: WorkflowService;
  readonly queue: Queue;
  /** The worker processes started so far that still run. */
  readonly workers: WorkerProcess[];
  /** Starts a worker process, with `overrides` of the suite's configuration; stopped with the suite. */
  startWorker(overrides?: Partial<WorkerConfig>): Promise<WorkerProcess>;
  startWorkers(count: number): Promise<WorkerProcess[]>;
  stopWorkers(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Closes the web app and boots it again, as a restart of the process would. */
  restartWeb(): Promise<void>;
  /** The worker whose pid a step wrote to `markFile`, once it wrote it (a step that hangs once). */
  workerThatMarked(markFile: string): Promise<WorkerProcess>;
}

/**
 * Sets up a queue-mode suite in the enclosing `describe`: before its tests, a schema, the web-only
 * app (which runs the migrations) and `workers` worker processes; after them, all of it removed.
 */
export function setUpQueueSuite(options: QueueSuiteOptions): QueueSuite {
  const { name, workers: initialWorkers = 0, store, ...rest } = options;
  const tag = randomBytes(4).toString('hex');
  const config: WorkerConfig = {
    ...rest,
    schema: `dw_${name}_${tag}`,
    prefix: `dw${name}-${tag}`,
    ...(store && { store: store(tag) }),
  };
  const dir = mkdtempSync(join(tmpdir(), `dw-${name}-`));
  const started: WorkerProcess[] = [];
  let web: TestingModule | undefined;

  const booted = () => {
    if (!web) throw new Error('The queue suite is read before its beforeAll booted it.');
    return web;
  };
  const bootWeb = async () => {
    web = await bootQueueApp({ ...config, worker: false, runMigrations: true });
  };
  const startWorker = async (overrides: Partial<WorkerConfig> = {}) => {
    const worker = await WorkerProcess.start({ ...config, ...overrides });
    started.push(worker);
    return worker;
  };
  const suite: QueueSuite = {
    config,
    dir,
    get web() {
      return booted();
    },
    get workflows() {
      return booted().get(WorkflowService);
    },
    get queue() {
      return booted().get<Queue>(getQueueToken(WORKFLOW_QUEUE_NAME));
    },
    get workers() {
      return started.filter((worker) => worker.running);
    },
    startWorker,
    startWorkers: (count) => Promise.all(Array.from({ length: count }, () => startWorker())),
    async stopWorkers(signal = 'SIGTERM') {
      await Promise.all(started.map((worker) => worker.stop(signal)));
    },
    async restartWeb() {
      await booted().close();
      await bootWeb();
    },
    async workerThatMarked(markFile) {
      // The step creates the file before it writes its pid: wait for the pid, not the file.
      const pid = await until(
        () => (existsSync(markFile) ? Number(readFileSync(markFile, 'utf8')) : 0),
        (read) => read > 0,
      );
      if (!pid) throw new Error(`No step wrote its pid to ${markFile} within 30 s.`);
      const worker = started.find((candidate) => candidate.pid === pid);
      if (!worker) throw new Error(`${markFile} names pid ${pid}, no worker process of the suite.`);
      return worker;
    },
  };

  beforeAll(async () => {
    await postgresAdmin(`CREATE SCHEMA ${config.schema}`);
    await bootWeb();
    await suite.startWorkers(initialWorkers);
  });
  afterAll(async () => {
    await tearDownQueueSuite({
      workers: started,
      web,
      schemas: [config.schema],
      prefix: config.prefix,
    });
    await removeQueueStore({ ...config, worker: false });
    rmSync(dir, { recursive: true, force: true });
  });
  return suite;
}
