import type { ForkOptions, ResumePayload, StartOptions } from '../../core/engine/workflow-engine';
import type { Execution } from '../../core/types';

/**
 * Where the work behind `WorkflowService` happens: on this process's event loop, or as BullMQ jobs
 * that any worker process may take. Both give the same guarantees; the service does not know which.
 */
export interface WorkflowRunner {
  /** Picks up what a previous process left (executions in flight, timers). */
  boot(): Promise<void>;
  run(
    workflowId: string,
    input: Record<string, unknown> | undefined,
    opts: StartOptions | undefined,
  ): Promise<Execution>;
  start(
    workflowId: string,
    input: Record<string, unknown> | undefined,
    opts: StartOptions | undefined,
  ): Promise<Execution>;
  /** Hands the resume over and returns once it was accepted; a refused one rejects. */
  resume(executionId: string, payload: ResumePayload): Promise<Execution>;
  resumeNow(executionId: string, payload: ResumePayload): Promise<Execution>;
  cancel(executionId: string): Promise<Execution>;
  delete(executionId: string): Promise<boolean>;
  /** Whether this halted execution has an accepted resume not yet taken up (queued for a worker). */
  resumePending(execution: Execution): Promise<boolean>;
  /**
   * Executions changed by other processes, where the runner can tell, with the execution when the
   * change settled it and said how (completed, failed or cancelled); returns how to stop.
   */
  watchRemote?(
    changed: (executionId: string, settled?: Execution) => void,
    listening: () => void,
  ): () => void;
  /**
   * What the runner's own queue tells of an execution without the store: the execution once a job
   * settled it for good, `queued` while its job waits or runs, null when it can't tell.
   */
  outcomeOfJob?(executionId: string): Promise<Execution | 'queued' | null>;
  /** Worker processes alive now, where work is left to them (queue mode). */
  workersAlive?(): Promise<number>;
  /** Puts a failed execution back at its failed step and hands it over; returns it `pending`. */
  retry(executionId: string): Promise<Execution>;
  /** Saves a fork of an execution at `fromStep` and hands it over; returns it `pending`. */
  fork(executionId: string, options: ForkOptions): Promise<Execution>;
  /** Stops taking work; waits up to `graceMs` for work in flight to reach a checkpoint. */
  stop(graceMs: number): Promise<void>;
}
