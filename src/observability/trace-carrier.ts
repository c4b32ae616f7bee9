import type { SpanContext } from '@opentelemetry/api';
import type { TraceCarrier } from '../core/telemetry';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * A span context as a W3C `traceparent`. Written by hand rather than through the global propagator,
 * so the trace carries on even in an application that registered none (or another format).
 */
export function toCarrier(span: SpanContext): TraceCarrier {
  const flags = span.traceFlags.toString(16).padStart(2, '0');
  return { traceparent: `00-${span.traceId}-${span.spanId}-${flags}` };
}

/** The span context a carrier names; undefined for a missing or malformed one. */
export function fromCarrier(carrier: TraceCarrier | undefined): SpanContext | undefined {
  const match = TRACEPARENT.exec(carrier?.['traceparent'] ?? '');
  if (!match) return undefined;
  return {
    traceId: match[1],
    spanId: match[2],
    traceFlags: parseInt(match[3], 16),
    isRemote: true,
  };
}
