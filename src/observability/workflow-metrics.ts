import type { Meter } from '@opentelemetry/api';
import type { WorkflowTelemetry } from '../core/telemetry';

type Metrics = Pick<
  WorkflowTelemetry,
  'executionStarted' | 'executionEnded' | 'stepFinished' | 'resumeLatency' | 'queueWait'
>;

/**
 * The instruments, by workflow and outcome. Durations are histograms in seconds, as OpenTelemetry's
 * semantic conventions have them.
 */
export function workflowMetrics(meter: Meter): Metrics {
  const started = meter.createCounter('workflow.executions.started', {
    description: 'Executions created (started, run, sub-workflows, forks), by workflow.',
  });
  const ended = meter.createCounter('workflow.executions.ended', {
    description: 'Executions that completed, failed or were cancelled, by workflow and outcome.',
  });
  const stepDuration = meter.createHistogram('workflow.step.duration', {
    description: 'How long one run of a step took, by workflow, step and outcome.',
    unit: 's',
  });
  const queueWait = meter.createHistogram('workflow.queue.wait', {
    description: 'From a queue job being due to a worker starting it, by workflow and job.',
    unit: 's',
  });
  const resumeLatency = meter.createHistogram('workflow.resume.latency', {
    description: 'From a resume being asked for to the execution leaving its halt, by workflow.',
    unit: 's',
  });
  return {
    executionStarted: (workflowId) => started.add(1, { 'workflow.id': workflowId }),
    executionEnded: (workflowId, outcome) =>
      ended.add(1, { 'workflow.id': workflowId, 'workflow.outcome': outcome }),
    stepFinished: (info, outcome, ms) =>
      stepDuration.record(ms / 1000, {
        'workflow.id': info.execution.workflowId,
        'workflow.step.id': info.stepId,
        'workflow.step.type': info.stepType,
        'workflow.outcome': outcome,
      }),
    resumeLatency: (workflowId, ms) =>
      resumeLatency.record(ms / 1000, { 'workflow.id': workflowId }),
    queueWait: (workflowId, job, ms) =>
      queueWait.record(Math.max(0, ms) / 1000, { 'workflow.id': workflowId, 'workflow.job': job }),
  };
}
