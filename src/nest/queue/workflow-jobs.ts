import type { ResumePayload } from '../../core/engine/workflow-engine';
import type { TraceCarrier } from '../../core/telemetry';
import type { Execution } from '../../core/types';
import type { CarriedExecution } from './carried-execution';

/**
 * The jobs of the workflow queue. Each id is derived from the execution (its id and creation time,
 * so an id reused after a delete is a new one) and from what the job answers: a resume or a timer
 * answers one halt (the halt count, which claims do not change), a retry or a recovery one saved
 * state (the revision). Adding the same job twice, from a repeated `resume`, a sweep run by two
 * processes or a re-delivery, leaves one job.
 */
/** `root`: the execution has no parent (which never changes), so its own lease guards it. */
interface JobTarget {
  executionId: string;
  root: boolean;
}

/** `halts`: the halt the job answers; once the execution moved past it the job is stale. */
type HaltTarget = JobTarget & { halts: number };

/** `trace`: the context of the `start()` or `resume()` caller, which the worker's spans continue. */
type Traced = { trace?: TraceCarrier };

/**
 * `execution`: the execution as `start` saved it, when small enough to carry: the worker drives it
 * without reading it back and takes the lease with its first checkpoint.
 */
type Carried = { execution?: CarriedExecution };

export type WorkflowJob =
  | { name: 'start'; data: JobTarget & Traced & Carried }
  /** `leaseOwner`: the owner the resume was accepted for (its claim marks it until applied). */
  | { name: 'resume'; data: HaltTarget & Traced & { payload: ResumePayload; leaseOwner: string } }
  | { name: 'timer'; data: HaltTarget }
  /** Carries on a halted parent whose child finished while nobody was there to wake it. */
  | { name: 'wake'; data: HaltTarget }
  | { name: 'retry'; data: JobTarget & { leaseOwner: string } }
  | { name: 'recover'; data: JobTarget }
  /** Drives a failed execution `retry` put back to `pending`; one job per retry. */
  | { name: 'rerun'; data: JobTarget }
  /** Starts an execution that waited in line for a concurrency slot, once one was freed for it. */
  | { name: 'admit'; data: JobTarget };

/** The target of an execution's jobs. */
export function jobTarget(execution: Pick<Execution, 'id' | 'runtime'>): JobTarget {
  return { executionId: execution.id, root: !execution.runtime?.parent };
}

/** The target of a job that answers the execution's current halt. */
export function haltTarget(execution: Pick<Execution, 'id' | 'runtime'>): HaltTarget {
  return { ...jobTarget(execution), halts: execution.runtime?.halts ?? 0 };
}

/** A tick of a workflow's schedule, added by the BullMQ job scheduler of that workflow. */
export interface ScheduleTickJob {
  name: 'tick';
  data: { workflowId: string };
}

export type WorkflowJobName = WorkflowJob['name'] | ScheduleTickJob['name'];
export type WorkflowJobData = WorkflowJob['data'] | ScheduleTickJob['data'];

export const WORKFLOW_JOB_NAMES: readonly WorkflowJob['name'][] = [
  'start',
  'resume',
  'timer',
  'wake',
  'retry',
  'recover',
  'rerun',
  'admit',
];

/** BullMQ refuses ids with `:` and ids that read as integers; the name prefix rules out the latter. */
export function workflowJobId(name: WorkflowJobName, execution: JobSubject): string {
  const base = `${name}-${encodeURIComponent(execution.id)}-${execution.createdAt.getTime()}`;
  switch (name) {
    case 'start':
      return base;
    case 'resume':
    case 'timer':
      return `${base}-h${execution.runtime?.halts ?? 0}`;
    case 'rerun':
      return `${base}-n${execution.runtime?.retries ?? 0}`;
    default:
      return `${base}-r${execution.revision ?? 0}`;
  }
}

/** What a job id is derived from. */
export type JobSubject = Pick<Execution, 'id' | 'createdAt' | 'revision' | 'runtime'>;
