import { Inject, Injectable } from '@nestjs/common';
import type { WorkflowStore } from '../../core/store/workflow-store';
import { MODULE_OPTIONS, RAW_STORE, WORKFLOW_QUEUE } from '../durable-workflow.constants';
import type { ResolvedModuleOptions } from '../durable-workflow.options';
import type { WorkflowBullQueue } from '../queue/workflow-job-queue';
import type { WorkflowRunner } from '../runners/workflow-runner';
import { WORKFLOW_RUNNER } from '../workflow-runtime.providers';
import { probe, type ProbeResult } from './health-probe';

/** An id no execution has: loading it asks the store one cheap question. */
const PROBE_ID = 'health-probe-00000000';

/**
 * The workers found: how many are connected now and, when none is, how long ago one last was
 * (queue mode); or this process (in-process mode).
 */
export type WorkersHealth =
  | { status: 'up' | 'down'; alive: number; lastSeenMsAgo?: number }
  | { status: 'up'; alive: 'this process' }
  | { status: 'down'; error: string };

/** What `isHealthy` reports under its key: the shape `@nestjs/terminus` reads. */
export type WorkflowHealthDetails = {
  status: 'up' | 'down';
  store: ProbeResult;
  /** Only in queue mode. */
  queue?: ProbeResult;
  workers: WorkersHealth;
};

export type WorkflowHealthResult<Key extends string> = Record<Key, WorkflowHealthDetails>;

export interface WorkflowHealthOptions {
  /** How long each of the store and the queue may take to answer. @defaultValue 2000 */
  timeoutMs?: number;
}

/**
 * A health indicator for `@nestjs/terminus` (`health.check([() => indicator.isHealthy('workflows')])`):
 * up when the store answers, the queue answers (queue mode), and a worker process was seen in the
 * last `leaseMs`: connected to the queue now (BullMQ lists the connections of live workers), or
 * connected at a check less than `leaseMs` ago, so a worker's restart does not flap readiness. It
 * returns terminus's result shape and imports nothing from terminus, so applications without it
 * lose nothing.
 */
@Injectable()
export class WorkflowHealthIndicator {
  /** When a check last found a worker connected (epoch ms). */
  private workerSeenAt: number | null = null;

  constructor(
    @Inject(RAW_STORE) private readonly store: WorkflowStore,
    @Inject(WORKFLOW_QUEUE) private readonly queue: WorkflowBullQueue | null,
    @Inject(WORKFLOW_RUNNER) private readonly runner: WorkflowRunner,
    @Inject(MODULE_OPTIONS) private readonly options: ResolvedModuleOptions,
  ) {}

  async isHealthy<Key extends string>(
    key: Key,
    { timeoutMs = 2000 }: WorkflowHealthOptions = {},
  ): Promise<WorkflowHealthResult<Key>> {
    const queue = this.queue && this.options.queue ? this.queue : null;
    const [store, queueAnswer, workers] = await Promise.all([
      probe(() => this.store.load(PROBE_ID), timeoutMs),
      queue ? probe(() => queue.getActiveCount(), timeoutMs) : undefined,
      this.workers(timeoutMs),
    ]);
    const parts = [store, queueAnswer, workers].filter((part) => part !== undefined);
    const details: WorkflowHealthDetails = {
      status: parts.every((part) => part.status === 'up') ? 'up' : 'down',
      store,
      ...(queueAnswer ? { queue: queueAnswer } : {}),
      workers,
    };
    return { [key]: details } as WorkflowHealthResult<Key>;
  }

  private async workers(timeoutMs: number): Promise<WorkersHealth> {
    const count = this.runner.workersAlive?.bind(this.runner);
    if (!count) return { status: 'up', alive: 'this process' };
    let alive = 0;
    const counted = await probe(async () => {
      alive = await count();
    }, timeoutMs);
    if (counted.status === 'down') return counted;
    const now = Date.now();
    if (alive > 0) this.workerSeenAt = now;
    if (alive > 0 || this.workerSeenAt === null)
      return { status: alive > 0 ? 'up' : 'down', alive };
    const lastSeenMsAgo = now - this.workerSeenAt;
    const leaseMs = this.options.queue?.leaseMs ?? 0;
    return { status: lastSeenMsAgo < leaseMs ? 'up' : 'down', alive, lastSeenMsAgo };
  }
}
