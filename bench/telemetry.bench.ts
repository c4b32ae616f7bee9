/**
 * What tracing costs the engine: a 10-step `assign` workflow on a store that does nothing, with no
 * telemetry, with `@opentelemetry/api` and no SDK (the module's default when the API is installed),
 * and with an SDK recording every span to memory. Contenders take turns round by round.
 * `npm run bench:telemetry`.
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  createOpenTelemetry,
  noTelemetry,
  ServiceRegistry,
  WorkflowEngine,
  WorkflowRegistry,
  type WorkflowTelemetry,
} from '../src/engine';
import { alternatingRounds } from './support/alternating-rounds';
import { nullStore } from './support/null-store';
import { table } from './support/stats';

const rounds = {
  rounds: Number(process.env.BENCH_ROUNDS ?? 7),
  roundMs: Number(process.env.BENCH_ROUND_MS ?? 1000),
};
const STEPS = 10;

const workflow = {
  id: 'ten',
  name: `${STEPS} assign steps`,
  steps: Array.from({ length: STEPS }, (_, i) => ({
    id: `s${i}`,
    type: 'assign',
    set: { [`v${i}`]: i },
    ...(i + 1 < STEPS ? { next: `s${i + 1}` } : {}),
  })),
};

function engineWith(telemetry: WorkflowTelemetry): WorkflowEngine {
  const services = new ServiceRegistry({});
  const registry = new WorkflowRegistry(services);
  registry.registerAll([workflow]);
  return new WorkflowEngine({ store: nullStore(), registry, services, telemetry });
}

const run = (engine: WorkflowEngine) => () => engine.run('ten').then(() => undefined);

/**
 * Two phases, each against its own baseline: an SDK once registered stays the global one, and the
 * API's tracers all forward to it.
 */
async function main(): Promise<void> {
  const none = engineWith(noTelemetry);
  const noSdk = await alternatingRounds(
    1,
    { none: run(none), api: run(engineWith(createOpenTelemetry())) },
    rounds,
  );

  const spans = new InMemorySpanExporter();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
  );
  const recording = engineWith(createOpenTelemetry());
  const withSdk = await alternatingRounds(
    1,
    {
      none: run(none),
      sdk: async () => {
        await recording.run('ten');
        spans.reset();
      },
    },
    rounds,
  );

  const row = (name: string, rate: number, base: number) => [
    name,
    rate.toFixed(0),
    (1e6 / rate).toFixed(0),
    `${((base / rate - 1) * 100).toFixed(1)} %`,
  ];
  console.log(
    table(
      ['telemetry', 'executions/s', 'µs per execution', 'time vs none, same phase'],
      [
        row('none (phase 1)', noSdk.none.perSecond, noSdk.none.perSecond),
        row('@opentelemetry/api, no SDK', noSdk.api.perSecond, noSdk.none.perSecond),
        row('none (phase 2)', withSdk.none.perSecond, withSdk.none.perSecond),
        row('SDK recording every span', withSdk.sdk.perSecond, withSdk.none.perSecond),
      ],
    ),
  );
}

void main();
