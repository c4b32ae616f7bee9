// Run in a child process without the optional peers: imports the package, configures each feature
// in turn and prints, as one JSON object, what happened to each.
import 'reflect-metadata';
import { DurableWorkflowModule, MissingPeerDependencyError } from '../../../src';
import { createOpenTelemetry, noTelemetry } from '../../../src/engine';
import { DurableWorkflowTestingModule } from '../../../src/testing';

const ownStore = { useFactory: () => ({}) as never };
const features: Record<string, () => unknown> = {
  import: () => null,
  'in-process module with its own store': () => DurableWorkflowModule.forRoot({ store: ownStore }),
  'redis store': () => DurableWorkflowModule.forRoot({ store: { type: 'redis' } }),
  'typeorm store': () => DurableWorkflowModule.forRoot({ store: { type: 'typeorm' } }),
  queue: () =>
    DurableWorkflowModule.forRoot({ store: ownStore, queue: { connection: { port: 6379 } } }),
  http: () => DurableWorkflowModule.forRoot({ store: ownStore, http: {} }),
  'testing module': () => DurableWorkflowTestingModule.forRoot({ workflows: [] }),
  'telemetry without @opentelemetry/api': () => {
    if (createOpenTelemetry() !== noTelemetry) throw new Error('telemetry without its API');
  },
};

const outcomes = Object.fromEntries(
  Object.entries(features).map(([feature, configure]) => {
    try {
      configure();
      return [feature, { ok: true }];
    } catch (error) {
      const missingPeer = error instanceof MissingPeerDependencyError;
      return [feature, { ok: false, missingPeer, message: (error as Error).message }];
    }
  }),
);
console.log(JSON.stringify(outcomes));
