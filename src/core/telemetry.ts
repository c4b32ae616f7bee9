import type { Execution, ExecutionStatus } from './types';

/** A caller's trace context as text (W3C `traceparent`): what crosses a queue job or a halt. */
export type TraceCarrier = Record<string, string>;

/** What one run of an execution is: its first run, a drive from a checkpoint, a resume, a timer. */
export type RunKind = 'run' | 'drive' | 'resume' | 'timer';

export interface RunSpanInfo {
  kind: RunKind;
  execution: Execution;
  /** The trace the run belongs to: the context its execution was started in. */
  parent?: TraceCarrier;
  /** Another caller's context the run answers (a resume's), linked rather than parented. */
  link?: TraceCarrier;
}

export interface StepSpanInfo {
  execution: Pick<Execution, 'id' | 'workflowId' | 'workflowVersion'>;
  stepId: string;
  stepType: string;
  /** The attempt this run of the step begins with (a parked retry's, otherwise 1). */
  attempt: number;
}

/** How a step's run ended, for the step duration metric. */
export type StepMetricOutcome = 'completed' | 'halted' | 'retry' | 'failed';

/**
 * Traces and metrics, as the engine reports them. The engine knows nothing of OpenTelemetry: the
 * adapter (src/observability) maps this port onto `@opentelemetry/api`; without one nothing is
 * recorded and each method costs a call.
 */
export interface WorkflowTelemetry {
  /** The active trace context, to keep on an execution or carry in a job; undefined when none. */
  capture(): TraceCarrier | undefined;
  /** Runs one run of an execution in a span; the execution it ends in says how it went. */
  traceRun(info: RunSpanInfo, work: () => Promise<Execution>): Promise<Execution>;
  /** Runs one step in a span, a child of the run's; a rejection is recorded as the span's error. */
  traceStep<T extends { kind: string }>(info: StepSpanInfo, work: () => Promise<T>): Promise<T>;
  executionStarted(workflowId: string): void;
  /** An execution completed, failed or was cancelled (`outcome`). */
  executionEnded(workflowId: string, outcome: ExecutionStatus): void;
  stepFinished(info: StepSpanInfo, outcome: StepMetricOutcome, durationMs: number): void;
  /** From a resume being asked for to the execution leaving its halt. */
  resumeLatency(workflowId: string, durationMs: number): void;
  /** From a queue job being due (added, or its delay over) to a worker starting it. */
  queueWait(workflowId: string, job: string, durationMs: number): void;
}

/** No telemetry: what the engine uses when none is configured. */
export const noTelemetry: WorkflowTelemetry = {
  capture: () => undefined,
  traceRun: (_info, work) => work(),
  traceStep: (_info, work) => work(),
  executionStarted: () => undefined,
  executionEnded: () => undefined,
  stepFinished: () => undefined,
  resumeLatency: () => undefined,
  queueWait: () => undefined,
};
