import type * as Api from '@opentelemetry/api';
import type { Execution } from '../core/types';
import {
  noTelemetry,
  type RunSpanInfo,
  type StepSpanInfo,
  type WorkflowTelemetry,
} from '../core/telemetry';
import { peers } from '../peers/peers';
import { workflowMetrics } from './workflow-metrics';
import { fromCarrier, toCarrier } from './trace-carrier';

/** The instrumentation scope of every span and instrument. */
export const INSTRUMENTATION_NAME = 'nestjs-durable-workflow';

/**
 * Telemetry through `@opentelemetry/api` when the application installed it, none otherwise. The
 * API is a no-op until the application registers an SDK (before it creates the Nest application:
 * instruments are made once, here).
 */
export function createOpenTelemetry(api = peers.openTelemetry()): WorkflowTelemetry {
  if (!api) return noTelemetry;
  const tracer = api.trace.getTracer(INSTRUMENTATION_NAME);
  const metrics = workflowMetrics(api.metrics.getMeter(INSTRUMENTATION_NAME));
  const { context, trace, SpanStatusCode } = api;

  /** Runs `work` in `span`, ending it; a rejection is the span's error. */
  async function inSpan<T>(
    span: Api.Span,
    parent: Api.Context,
    work: () => Promise<T>,
    settled: (result: T) => void,
  ): Promise<T> {
    try {
      const result = await context.with(trace.setSpan(parent, span), work);
      settled(result);
      return result;
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(error) });
      throw error;
    } finally {
      span.end();
    }
  }

  return {
    ...metrics,
    capture() {
      const span = trace.getSpanContext(context.active());
      return span && trace.isSpanContextValid(span) ? toCarrier(span) : undefined;
    },
    traceRun(info: RunSpanInfo, work: () => Promise<Execution>) {
      const parentSpan = fromCarrier(info.parent);
      const parent = parentSpan
        ? trace.setSpanContext(api.ROOT_CONTEXT, parentSpan)
        : context.active();
      const linked = fromCarrier(info.link);
      const links =
        linked && linked.traceId !== parentSpan?.traceId ? [{ context: linked }] : undefined;
      const { execution } = info;
      const span = tracer.startSpan(
        `workflow.${info.kind} ${execution.workflowId}`,
        {
          attributes: {
            ...executionAttributes(execution),
            'workflow.run.kind': info.kind,
          },
          links,
        },
        parent,
      );
      return inSpan(span, parent, work, (outcome) => {
        span.setAttribute('workflow.execution.status', outcome.status);
        if (outcome.status === 'failed')
          span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error ?? 'failed' });
      });
    },
    traceStep<T extends { kind: string }>(info: StepSpanInfo, work: () => Promise<T>) {
      const parent = context.active();
      // A run span nothing records (no SDK, or sampled out) would have step spans nothing records
      // either, with a parent-based sampler: skip them, and the cost of a span per step.
      if (!trace.getSpan(parent)?.isRecording()) return work();
      const span = tracer.startSpan(
        `workflow.step ${info.stepId}`,
        { attributes: stepAttributes(info) },
        parent,
      );
      return inSpan(span, parent, work, (outcome) =>
        span.setAttribute('workflow.step.outcome', outcome.kind),
      );
    },
  };
}

export function executionAttributes(
  execution: Pick<Execution, 'id' | 'workflowId' | 'workflowVersion'>,
): Api.Attributes {
  return {
    'workflow.id': execution.workflowId,
    'workflow.version': execution.workflowVersion,
    'workflow.execution.id': execution.id,
  };
}

function stepAttributes(info: StepSpanInfo): Api.Attributes {
  return {
    ...executionAttributes(info.execution),
    'workflow.step.id': info.stepId,
    'workflow.step.type': info.stepType,
    'workflow.step.attempt': info.attempt,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
