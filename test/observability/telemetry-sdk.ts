import { context, metrics, trace, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { until } from '../support/until';

/** The OpenTelemetry SDK of a test process, exporting to memory. Register it before the app is made. */
export class InMemoryTelemetry {
  readonly spans = new InMemorySpanExporter();
  private readonly metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  private readonly reader = new PeriodicExportingMetricReader({
    exporter: this.metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  private readonly tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(this.spans)],
  });
  private readonly meterProvider = new MeterProvider({ readers: [this.reader] });

  register(): void {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(this.tracerProvider);
    metrics.setGlobalMeterProvider(this.meterProvider);
  }

  async shutdown(): Promise<void> {
    await this.tracerProvider.shutdown();
    await this.meterProvider.shutdown();
    trace.disable();
    metrics.disable();
    context.disable();
  }

  /** Runs `work` in a span of the test's own, as an HTTP request's instrumentation would. */
  async inSpan<T>(name: string, work: () => Promise<T>): Promise<{ result: T; span: SpanContext }> {
    return trace.getTracer('test').startActiveSpan(name, async (span) => {
      try {
        return { result: await work(), span: span.spanContext() };
      } finally {
        span.end();
      }
    });
  }

  /** Spans of one execution; waits (up to a bound) until `until` holds of them. */
  spansOf(executionId: string, done: (spans: ReadableSpan[]) => boolean): Promise<ReadableSpan[]> {
    return until(
      () =>
        this.spans
          .getFinishedSpans()
          .filter((span) => span.attributes['workflow.execution.id'] === executionId),
      done,
      { withinMs: 5000, everyMs: 25 },
    );
  }

  /** The data points of a metric as last collected, by their attributes. */
  async points(name: string): Promise<DataPoint<number | Histogram>[]> {
    await this.reader.forceFlush();
    const collected = this.metricExporter.getMetrics();
    const last = collected[collected.length - 1];
    const metric = last?.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .find((candidate) => candidate.descriptor.name === name);
    return (metric?.dataPoints ?? []) as DataPoint<number | Histogram>[];
  }
}

/** The span named `name`; fails the test naming what there was. */
export function spanNamed(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((span) => span.name === name);
  if (found.length !== 1)
    throw new Error(
      `expected one span "${name}", found ${found.length} among ${spans.map((s) => s.name).join(', ')}`,
    );
  return found[0];
}
